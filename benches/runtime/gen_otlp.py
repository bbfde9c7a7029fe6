#!/usr/bin/env python3
"""Writes OTLP JSON lines, as the OpenTelemetry Collector's `file` exporter
does, for the runtime scale test (examples/runtime_scale.rs).

    python3 benches/runtime/gen_otlp.py /tmp/otlp-1g.jsonl 1024   # size in MiB

Each line is one export batch (`{"resourceSpans": [...]}`) of one service.
Traces cross services: a frontend's server span, its HTTP client span to a
backend (whose server span, in the backend's batch on the next line, names
it as parent), the backend's database, DynamoDB and SQS spans, and a worker
consuming the queue. Attributes mix current and older semantic conventions
and carry the noise real spans carry (user agents, thread ids, events).
The output is deterministic for a given size. Never commit the output.
"""
import sys

BASE_NS = 1714564800 * 1_000_000_000  # 2024-05-01T12:00:00Z
FRONTENDS = [f"web-{i:02d}" for i in range(10)]
BACKENDS = [f"orders-{i:02d}" for i in range(10)]
WORKERS = [f"worker-{i:02d}" for i in range(5)]
TABLES = [f"table_{i:02d}" for i in range(20)]
ROUTES = ["/orders/{id}", "/orders", "/cart/{id}", "/customers/{id}/orders"]
TRACES_PER_LINE = 40


def s(k, v):
    return '{"key":"%s","value":{"stringValue":"%s"}}' % (k, v)


def n(k, v):
    return '{"key":"%s","value":{"intValue":"%d"}}' % (k, v)


def resource(service, extra=""):
    attrs = [s("service.name", service), s("service.version", "2.3.1"), s("telemetry.sdk.language", "java"),
             s("telemetry.sdk.name", "opentelemetry"), s("telemetry.sdk.version", "1.37.0"),
             s("host.name", f"ip-10-0-{len(service)}-17.eu-west-1.compute.internal"), s("os.type", "linux")]
    if extra:
        attrs.append(extra)
    return '{"attributes":[%s]}' % ",".join(attrs)


def span(trace, sid, parent, name, kind, start, dur, attrs, error=False, events=""):
    status = '{"code":2,"message":"internal error"}' if error else "{}"
    return ('{"traceId":"%032x","spanId":"%016x","parentSpanId":"%s","flags":257,"name":"%s","kind":%d,'
            '"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s],"events":[%s],"status":%s}'
            % (trace, sid, ("%016x" % parent) if parent else "", name, kind, start, start + dur,
               ",".join(attrs), events, status))


def line(res, scope, spans):
    return ('{"resourceSpans":[{"resource":%s,"scopeSpans":[{"scope":{"name":"%s","version":"2.9.0"},"spans":[%s]}],'
            '"schemaUrl":"https://opentelemetry.io/schemas/1.26.0"}]}\n' % (res, scope, ",".join(spans)))


EXCEPTION = ('{"timeUnixNano":"%d","name":"exception","attributes":[%s,%s]}')


def batch(b):
    fe = FRONTENDS[b % len(FRONTENDS)]
    be = BACKENDS[(b * 7) % len(BACKENDS)]
    wk = WORKERS[b % len(WORKERS)]
    fe_spans, be_spans, wk_spans = [], [], []
    for t in range(TRACES_PER_LINE):
        trace = b * 1000 + t + 1
        start = BASE_NS + (b * TRACES_PER_LINE + t) * 5_000_000
        route = ROUTES[(b + t) % len(ROUTES)]
        table = TABLES[(b + t) % len(TABLES)]
        root, client, server, db, ddb, sqs, consume = (trace << 8) + 1, (trace << 8) + 2, (trace << 8) + 3, (trace << 8) + 4, (trace << 8) + 5, (trace << 8) + 6, (trace << 8) + 7
        error = (trace % 97) == 0
        fe_spans.append(span(trace, root, 0, "GET " + route, 2, start, 9_000_000, [
            s("http.request.method", "GET"), s("http.route", route), n("http.response.status_code", 500 if error else 200),
            s("url.scheme", "https"), s("url.path", route.replace("{id}", str(trace))), s("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"),
            s("client.address", "10.0.%d.%d" % (t % 250, b % 250)), n("thread.id", 40 + t % 8), s("thread.name", "http-nio-8080-exec-%d" % (t % 8))], error))
        old = t % 3 == 0
        fe_spans.append(span(trace, client, root, "GET", 3, start + 100_000, 8_000_000, [
            s("http.method" if old else "http.request.method", "GET"),
            s("http.url" if old else "url.full", "http://%s.shop.svc:8080%s" % (be, route.replace("{id}", str(trace)))),
            s("net.peer.name" if old else "server.address", be + ".shop.svc"), n("net.peer.port" if old else "server.port", 8080),
            n("http.status_code" if old else "http.response.status_code", 500 if error else 200), n("thread.id", 40 + t % 8)], error))
        events = (EXCEPTION % (start + 200_000, s("exception.type", "java.lang.IllegalStateException"),
                  s("exception.message", "order %d not found" % trace))) if error else ""
        be_spans.append(span(trace, server, client, "GET " + route, 2, start + 200_000, 7_000_000, [
            s("http.request.method", "GET"), s("http.route", route), n("http.response.status_code", 500 if error else 200),
            s("network.protocol.version", "1.1"), n("thread.id", 20 + t % 16)], error, events))
        be_spans.append(span(trace, db, server, "SELECT shop." + table, 3, start + 300_000, 1_000_000, [
            s("db.system", "postgresql"), s("db.name" if old else "db.namespace", "shop"),
            s("db.sql.table" if old else "db.collection.name", table), s("db.operation" if old else "db.operation.name", "SELECT"),
            s("db.statement" if old else "db.query.text", "SELECT id, status, total FROM %s WHERE id = $1" % table),
            s("server.address", "shop-db.cluster-c1x2.eu-west-1.rds.amazonaws.com"), n("server.port", 5432)]))
        be_spans.append(span(trace, ddb, server, "DynamoDB.GetItem", 3, start + 1_400_000, 2_000_000, [
            s("rpc.system", "aws-api"), s("rpc.service", "DynamoDB"), s("rpc.method", "GetItem"), s("db.system", "dynamodb"),
            '{"key":"aws.dynamodb.table_names","value":{"arrayValue":{"values":[{"stringValue":"sessions-%02d"}]}}}' % (b % 4),
            s("aws.request_id", "R%030d" % trace), n("http.response.status_code", 200)]))
        be_spans.append(span(trace, sqs, server, "SQS.SendMessage", 4, start + 3_500_000, 2_500_000, [
            s("rpc.system", "aws-api"), s("rpc.service", "SQS"), s("rpc.method", "SendMessage"), s("messaging.system", "aws_sqs"),
            s("aws.sqs.queue.url", "https://sqs.eu-west-1.amazonaws.com/123456789012/%s-events" % be),
            s("messaging.destination.name", "%s-events" % be), s("messaging.message.id", "%08x-0000-4000-8000-%012x" % (trace, trace))]))
        wk_spans.append(span(trace, consume, sqs, "%s-events process" % be, 5, start + 9_000_000, 30_000_000, [
            s("messaging.system", "aws_sqs"), s("messaging.operation.type" if not old else "messaging.operation", "process"),
            s("messaging.destination.name" if not old else "messaging.destination", "%s-events" % be), s("faas.trigger", "pubsub")]))
    return (line(resource(fe, s("k8s.deployment.name", fe)), "io.opentelemetry.tomcat-10.0", fe_spans)
            + line(resource(be, s("k8s.deployment.name", be)), "io.opentelemetry.spring-webmvc-6.0", be_spans)
            + line(resource(wk, s("faas.name", wk)), "io.opentelemetry.aws-lambda-events-2.2", wk_spans))


def main():
    path, mib = sys.argv[1], float(sys.argv[2])
    limit = int(mib * 1024 * 1024)
    written, b = 0, 0
    with open(path, "w") as out:
        while written < limit:
            text = batch(b)
            out.write(text)
            written += len(text)
            b += 1
    print(f"{path}: {written} bytes, {b * 3} lines, {b * TRACES_PER_LINE * 7} spans")


if __name__ == "__main__":
    main()
