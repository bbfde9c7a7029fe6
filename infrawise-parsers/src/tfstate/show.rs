//! The JSON `terraform show -json` prints for a state.

use serde_json::Value;

use super::build::{Builder, Instance};
use super::sensitive;

pub(crate) fn read(json: &Value, builder: &mut Builder) {
    builder.header(json);
    let Some(values) = json.get("values") else {
        return;
    };
    if let Some(Value::Object(outputs)) = values.get("outputs") {
        for (name, output) in outputs {
            builder.output(name, output);
        }
    }
    if let Some(root) = values.get("root_module") {
        module(root, builder, 0);
    }
}

fn module(module_json: &Value, builder: &mut Builder, depth: usize) {
    if depth > 64 {
        builder.warn("modules nest too deeply; the rest is skipped");
        return;
    }
    let prefix = module_json
        .get("address")
        .and_then(Value::as_str)
        .map(|a| format!("{a}."))
        .unwrap_or_default();
    for resource in module_json
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(resource_type), Some(name)) = (
            resource.get("type").and_then(Value::as_str),
            resource.get("name").and_then(Value::as_str),
        ) else {
            builder.warn("a resource has no type or name; skipped");
            continue;
        };
        let mut attributes = match resource.get("values") {
            Some(Value::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let marked = sensitive::show_paths(resource.get("sensitive_values"));
        sensitive::scrub(&mut attributes, &marked);
        let dependencies = resource
            .get("depends_on")
            .and_then(Value::as_array)
            .map(|deps| {
                deps.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        builder.instance(Instance {
            module: prefix.clone(),
            data: resource.get("mode").and_then(Value::as_str) == Some("data"),
            resource_type,
            name,
            index: resource.get("index"),
            attributes,
            dependencies,
        });
    }
    for child in module_json
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        module(child, builder, depth + 1);
    }
}
