//! Flattening a record's JSON into named scalar columns.

use serde_json::Value;

/// One scalar column of a flattened record: its dotted name and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub value: String,
}

/// Flattens a serializable value into columns: nested objects become `parent.child`, arrays of
/// scalars are joined with `"; "`, arrays of objects are numbered (`faults.0.at_ms`), null is the
/// empty string. Order follows the JSON object's field order.
pub fn flatten<T: serde::Serialize>(value: &T) -> Vec<Column> {
    let mut columns = Vec::new();
    let json = serde_json::to_value(value).expect("records serialize to JSON");
    walk(String::new(), &json, &mut columns);
    columns
}

fn walk(name: String, value: &Value, out: &mut Vec<Column>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let child = if name.is_empty() { key.clone() } else { format!("{name}.{key}") };
                walk(child, inner, out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object()) => {
            for (index, item) in items.iter().enumerate() {
                walk(format!("{name}.{index}"), item, out);
            }
        }
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(scalar).collect();
            out.push(Column { name, value: texts.join("; ") });
        }
        other => out.push(Column { name, value: scalar(other) }),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Inner {
        p50: f64,
    }

    #[derive(serde::Serialize)]
    struct Outer {
        name: &'static str,
        missing: Option<u32>,
        latency: Inner,
        notes: Vec<&'static str>,
    }

    #[test]
    fn nests_with_dots_and_joins_arrays() {
        let columns = flatten(&Outer { name: "ra", missing: None, latency: Inner { p50: 1.5 }, notes: vec!["a", "b"] });
        let pairs: Vec<(&str, &str)> = columns.iter().map(|c| (c.name.as_str(), c.value.as_str())).collect();
        assert_eq!(pairs, [("name", "ra"), ("missing", ""), ("latency.p50", "1.5"), ("notes", "a; b")]);
    }

    #[test]
    fn numbers_arrays_of_objects() {
        let columns = flatten(&serde_json::json!({ "faults": [{ "at_ms": 1.0 }, { "at_ms": 2.0 }] }));
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["faults.0.at_ms", "faults.1.at_ms"]);
    }
}
