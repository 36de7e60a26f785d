//! `workbench list`

use crate::registry::Registry;

/// Prints every algorithm with its family, description and variants.
pub fn list(registry: &Registry) -> String {
    let entries = registry.all();
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for entry in entries {
        out.push_str(&format!("{:width$}  {:11}  {}\n", entry.name, entry.family.to_string(), entry.summary));
        for (variant, about) in entry.variants {
            out.push_str(&format!("{:width$}  {:11}    --variant {variant}: {about}\n", "", ""));
        }
    }
    out
}
