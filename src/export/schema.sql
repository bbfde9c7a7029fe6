-- Infrawise graph schema (version 1) and its traversal functions.
-- Created by `infrawise export --format postgres URL`; safe to run again.
CREATE SCHEMA IF NOT EXISTS infrawise;

-- One row per loaded graph; every other table is keyed by its name.
CREATE TABLE IF NOT EXISTS infrawise.graphs (
    graph text PRIMARY KEY,
    schema_version integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    nodes bigint NOT NULL,
    edges bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS infrawise.nodes (
    graph text NOT NULL,
    id text NOT NULL,
    kind text NOT NULL,
    type text,
    name text NOT NULL,
    scope text,
    unresolved boolean NOT NULL,
    attributes jsonb NOT NULL,
    PRIMARY KEY (graph, id)
);

-- Every alias of a node, printed (`name[queue]:orders`) and bare (`orders`).
CREATE TABLE IF NOT EXISTS infrawise.node_aliases (
    graph text NOT NULL,
    alias text NOT NULL,
    value text NOT NULL,
    node text NOT NULL
);
CREATE INDEX IF NOT EXISTS node_aliases_alias ON infrawise.node_aliases (graph, alias);
CREATE INDEX IF NOT EXISTS node_aliases_value ON infrawise.node_aliases (graph, value);

-- Ids of inputs' nodes merged into a node: lookups by them find it.
CREATE TABLE IF NOT EXISTS infrawise.merged_ids (
    graph text NOT NULL,
    merged_id text NOT NULL,
    node text NOT NULL,
    PRIMARY KEY (graph, merged_id)
);

-- `source` depends on `target`. `origins` lists the origins of the
-- evidence; `max_inferred_confidence` is the highest confidence among its
-- inferred evidence (0 if none), as the library's filters use them.
CREATE TABLE IF NOT EXISTS infrawise.edges (
    graph text NOT NULL,
    id integer NOT NULL,
    source text NOT NULL,
    target text NOT NULL,
    kind text NOT NULL,
    origins text[] NOT NULL,
    max_inferred_confidence real NOT NULL,
    PRIMARY KEY (graph, id)
);
CREATE INDEX IF NOT EXISTS edges_target ON infrawise.edges (graph, target);
CREATE INDEX IF NOT EXISTS edges_source ON infrawise.edges (graph, source);

-- Evidence of a node (`node` set) or of an edge (`edge` set).
CREATE TABLE IF NOT EXISTS infrawise.evidence (
    graph text NOT NULL,
    node text,
    edge integer,
    origin text NOT NULL,
    path text,
    line integer,
    extractor text NOT NULL,
    detail text NOT NULL,
    confidence double precision,
    first_seen timestamptz,
    last_seen timestamptz,
    count bigint,
    errors bigint
);
CREATE INDEX IF NOT EXISTS evidence_node ON infrawise.evidence (graph, node) WHERE node IS NOT NULL;
CREATE INDEX IF NOT EXISTS evidence_edge ON infrawise.evidence (graph, edge) WHERE edge IS NOT NULL;

-- The node `name` names, as the library's lookup: an id, a merged id, a
-- printed alias, else a bare alias value or node name that only one node
-- has. Raises an error when none or several do.
CREATE OR REPLACE FUNCTION infrawise.resolve(p_graph text, p_name text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    matches text[];
BEGIN
    PERFORM 1 FROM infrawise.nodes WHERE graph = p_graph AND id = p_name;
    IF FOUND THEN
        RETURN p_name;
    END IF;
    SELECT array_agg(DISTINCT node) INTO matches FROM infrawise.merged_ids
        WHERE graph = p_graph AND merged_id = p_name;
    IF matches IS NULL THEN
        SELECT array_agg(DISTINCT node) INTO matches FROM infrawise.node_aliases
            WHERE graph = p_graph AND alias = p_name;
    END IF;
    IF matches IS NULL THEN
        SELECT array_agg(DISTINCT node) INTO matches FROM (
            SELECT node FROM infrawise.node_aliases WHERE graph = p_graph AND value = p_name
            UNION SELECT id FROM infrawise.nodes WHERE graph = p_graph AND name = p_name
        ) named;
    END IF;
    IF matches IS NULL THEN
        RAISE EXCEPTION 'infrawise: no node named % in graph %', p_name, p_graph;
    ELSIF cardinality(matches) > 1 THEN
        RAISE EXCEPTION 'infrawise: % names several nodes: %', p_name, array_to_string(matches, ', ');
    END IF;
    RETURN matches[1];
END
$$;

-- Whether an edge passes the traversal filters, as the library's: its
-- kind is wanted, and it has declared or observed evidence of a wanted
-- origin, or inferred evidence (if wanted) at or above the confidence.
CREATE OR REPLACE FUNCTION infrawise.passes(
    kind text, origins text[], max_inferred_confidence real,
    p_kinds text[], p_origins text[], p_min_confidence real)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_kinds IS NULL OR kind = ANY (p_kinds))
       AND (origins && array_remove(p_origins, 'inferred')
            OR ('inferred' = ANY (p_origins) AND 'inferred' = ANY (origins)
                AND max_inferred_confidence >= p_min_confidence))
$$;

-- Breadth-first search from `p_node`, following edges backwards
-- (`p_forward` false: what depends on it) or forwards (what it depends
-- on): every node reached, with its distance and the edge that reached
-- it first. One set-based query per level, each node visited once.
CREATE OR REPLACE FUNCTION infrawise.traverse(
    p_graph text, p_node text, p_forward boolean,
    p_max_depth integer DEFAULT NULL,
    p_kinds text[] DEFAULT NULL,
    p_origins text[] DEFAULT ARRAY['declared', 'inferred', 'observed'],
    p_min_confidence real DEFAULT 0)
RETURNS TABLE (node text, depth integer, via integer)
LANGUAGE plpgsql AS $$
DECLARE
    root text := infrawise.resolve(p_graph, p_node);
    level integer := 0;
    -- The end of an edge a level starts from, and the end it reaches.
    near text := CASE WHEN p_forward THEN 'source' ELSE 'target' END;
    far text := CASE WHEN p_forward THEN 'target' ELSE 'source' END;
    step text;
    added integer;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS infrawise_seen (
        node text PRIMARY KEY, depth integer NOT NULL, via integer
    ) ON COMMIT DROP;
    TRUNCATE infrawise_seen;
    INSERT INTO infrawise_seen VALUES (root, 0, NULL);
    -- One statement for both directions: only the edge columns differ, so
    -- they are spliced in once as identifiers and the values passed as
    -- parameters (an index on edges(graph, <near>) serves each level).
    step := format(
        'INSERT INTO infrawise_seen (node, depth, via)
         SELECT DISTINCT ON (e.%1$I) e.%1$I, $1 + 1, e.id
         FROM infrawise_seen s
         JOIN infrawise.edges e ON e.graph = $2 AND e.%2$I = s.node
         WHERE s.depth = $1
           AND infrawise.passes(e.kind, e.origins, e.max_inferred_confidence, $3, $4, $5)
         ORDER BY e.%1$I, e.id
         ON CONFLICT DO NOTHING',
        far, near);
    LOOP
        EXIT WHEN p_max_depth IS NOT NULL AND level >= p_max_depth;
        EXECUTE step USING level, p_graph, p_kinds, p_origins, p_min_confidence;
        GET DIAGNOSTICS added = ROW_COUNT;
        EXIT WHEN added = 0;
        level := level + 1;
    END LOOP;
    RETURN QUERY SELECT s.node, s.depth, s.via FROM infrawise_seen s
        WHERE s.depth > 0 ORDER BY s.depth, s.node;
END
$$;

-- What depends on `p_node`, transitively (the library's `impact`).
CREATE OR REPLACE FUNCTION infrawise.impact(
    p_graph text, p_node text,
    p_max_depth integer DEFAULT NULL,
    p_kinds text[] DEFAULT NULL,
    p_origins text[] DEFAULT ARRAY['declared', 'inferred', 'observed'],
    p_min_confidence real DEFAULT 0)
RETURNS TABLE (node text, depth integer, via integer)
LANGUAGE sql AS $$
    SELECT * FROM infrawise.traverse(p_graph, p_node, false, p_max_depth, p_kinds, p_origins, p_min_confidence)
$$;

-- What `p_node` depends on, transitively (the library's `dependencies`).
CREATE OR REPLACE FUNCTION infrawise.dependencies(
    p_graph text, p_node text,
    p_max_depth integer DEFAULT NULL,
    p_kinds text[] DEFAULT NULL,
    p_origins text[] DEFAULT ARRAY['declared', 'inferred', 'observed'],
    p_min_confidence real DEFAULT 0)
RETURNS TABLE (node text, depth integer, via integer)
LANGUAGE sql AS $$
    SELECT * FROM infrawise.traverse(p_graph, p_node, true, p_max_depth, p_kinds, p_origins, p_min_confidence)
$$;

-- Every node that depends on `p_node`, as one recursive query (no depth,
-- no filters): the same set as `impact` with default options.
CREATE OR REPLACE FUNCTION infrawise.dependents(p_graph text, p_node text)
RETURNS TABLE (node text) LANGUAGE sql STABLE AS $$
    WITH RECURSIVE reached(node) AS (
        SELECT infrawise.resolve(p_graph, p_node)
        UNION
        SELECT e.source FROM reached r
        JOIN infrawise.edges e ON e.graph = p_graph AND e.target = r.node
    )
    SELECT node FROM reached WHERE node <> infrawise.resolve(p_graph, p_node)
$$;
