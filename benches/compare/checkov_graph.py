"""Times checkov's Terraform graph build on one directory: parse the HCL
module tree and build the local graph with variable rendering, the same
work `checkov -d DIR --framework terraform` does before running checks.
Prints the wall time in seconds on the last line."""
import sys
import time

from checkov.terraform.graph_builder.local_graph import TerraformLocalGraph
from checkov.terraform.tf_parser import TFParser

root = sys.argv[1]
start = time.perf_counter()
module, _ = TFParser().parse_hcl_module(root, source="terraform")
graph = TerraformLocalGraph(module)
graph.build_graph(render_variables=True)
elapsed = time.perf_counter() - start
print(f"checkov: {len(graph.vertices)} vertices, {len(graph.edges)} edges")
print(f"{elapsed:.3f}")
