//! State format v3 (Terraform before 0.12): modules by path, resources
//! keyed by address, attributes flattened to strings.

use serde_json::{Map, Value};

use super::build::{Builder, Instance};
use super::sensitive;

pub(crate) fn read(json: &Value, builder: &mut Builder) {
    builder.header(json);
    let Some(modules) = json.get("modules").and_then(Value::as_array) else {
        return;
    };
    for module in modules {
        let path: Vec<&str> = module
            .get("path")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut prefix = String::new();
        for name in path.iter().skip(1) {
            prefix.push_str("module.");
            prefix.push_str(name);
            prefix.push('.');
        }
        if prefix.is_empty()
            && let Some(Value::Object(outputs)) = module.get("outputs")
        {
            for (name, output) in outputs {
                builder.output(name, output);
            }
        }
        let Some(Value::Object(resources)) = module.get("resources") else {
            continue;
        };
        for (key, resource) in resources {
            let (data, rest) = match key.strip_prefix("data.") {
                Some(rest) => (true, rest),
                None => (false, key.as_str()),
            };
            let mut parts = rest.splitn(3, '.');
            let (Some(resource_type), Some(name)) = (parts.next(), parts.next()) else {
                builder.warn(format!("resource key {key} is not an address; skipped"));
                continue;
            };
            let index = parts
                .next()
                .and_then(|i| i.parse::<u64>().ok())
                .map(Value::from);
            let primary = resource.get("primary");
            let mut attributes: Map<String, Value> = match primary.and_then(|p| p.get("attributes"))
            {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            if let Some(id) = primary.and_then(|p| p.get("id")) {
                attributes.entry("id").or_insert_with(|| id.clone());
            }
            // Flattened keys (`tags.Name`, `tags.%`): a secret-named first
            // segment drops the whole key.
            let flattened_secrets: std::collections::BTreeSet<String> = attributes
                .keys()
                .filter(|k| sensitive::named_secret(k.split('.').next().unwrap_or(k)))
                .cloned()
                .collect();
            sensitive::scrub(&mut attributes, &flattened_secrets);
            let dependencies = resource
                .get("depends_on")
                .and_then(Value::as_array)
                .map(|deps| {
                    deps.iter()
                        .filter_map(Value::as_str)
                        .map(|d| format!("{prefix}{d}"))
                        .collect()
                })
                .unwrap_or_default();
            let resource_type = resource
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or(resource_type);
            builder.instance(Instance {
                module: prefix.clone(),
                data,
                resource_type,
                name,
                index: index.as_ref(),
                attributes,
                dependencies,
            });
        }
    }
}
