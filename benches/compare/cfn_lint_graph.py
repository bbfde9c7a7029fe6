"""Times cfn-lint's graph build over a list of templates: decode each file
(cfnlint.decode) and build cfnlint.template.Template, whose constructor
builds cfnlint.graph.Graph. Counts the graph's edges by label, restricted
as cfn-lint restricts them (edges to resources, from resources, parameters
and outputs). Prints counts, then the loop time in seconds on the last line."""
import logging
import sys
import time
from collections import Counter

import cfnlint.decode
from cfnlint.template import Template

logging.disable(logging.CRITICAL)

files = [line.strip() for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
labels = Counter()
graphs = failed = 0
start = time.perf_counter()
for path in files:
    template, matches = cfnlint.decode.decode(path)
    if template is None:
        failed += 1
        continue
    cfn = Template(path, template, ["us-east-1"])
    if cfn.graph is None:
        failed += 1
        continue
    graphs += 1
    for _, _, data in cfn.graph.graph.edges(data=True):
        labels[data.get("label", "")] += 1
elapsed = time.perf_counter() - start
print(f"cfn-lint {cfnlint.version.__version__}: {graphs} graphs, {failed} not decoded")
for label in sorted(labels):
    print(f"cfn-lint edges {label} {labels[label]}")
print(f"cfn-lint edges total {sum(labels.values())}")
print(f"{elapsed:.3f}")
