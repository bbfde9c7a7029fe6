//! State format v4 (Terraform 0.12 and later).

use serde_json::Value;

use super::build::{Builder, Instance};
use super::sensitive;

pub(crate) fn read(json: &Value, builder: &mut Builder) {
    builder.header(json);
    if let Some(Value::Object(outputs)) = json.get("outputs") {
        for (name, output) in outputs {
            builder.output(name, output);
        }
    }
    let Some(resources) = json.get("resources").and_then(Value::as_array) else {
        if json.get("resources").is_some() {
            builder.warn("resources is not a list");
        }
        return;
    };
    for (i, resource) in resources.iter().enumerate() {
        let (Some(resource_type), Some(name)) = (
            resource.get("type").and_then(Value::as_str),
            resource.get("name").and_then(Value::as_str),
        ) else {
            builder.warn(format!("resource {i} has no type or name; skipped"));
            continue;
        };
        let data = resource.get("mode").and_then(Value::as_str) == Some("data");
        let module = resource
            .get("module")
            .and_then(Value::as_str)
            .map(|m| format!("{m}."))
            .unwrap_or_default();
        let Some(instances) = resource.get("instances").and_then(Value::as_array) else {
            continue;
        };
        for instance in instances {
            let mut attributes = match instance.get("attributes") {
                Some(Value::Object(map)) => map.clone(),
                _ => match instance.get("attributes_flat") {
                    Some(Value::Object(map)) => map.clone(),
                    _ => serde_json::Map::new(),
                },
            };
            let marked = sensitive::v4_paths(instance.get("sensitive_attributes"));
            sensitive::scrub(&mut attributes, &marked);
            let dependencies = instance
                .get("dependencies")
                .or_else(|| resource.get("depends_on"))
                .and_then(Value::as_array)
                .map(|deps| {
                    deps.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            builder.instance(Instance {
                module: module.clone(),
                data,
                resource_type,
                name,
                index: instance.get("index_key"),
                attributes,
                dependencies,
            });
        }
    }
}
