//! The JSON object, the CSV rows and the table.

use harness::RunRecord;

use crate::flatten::flatten;

/// The record as one JSON object on one line.
pub fn to_json(record: &RunRecord) -> String {
    serde_json::to_string(record).expect("records serialize to JSON")
}

/// Any serializable rows as CSV, flattened like records.
pub fn to_csv_rows<T: serde::Serialize>(rows: &[T]) -> String {
    let flat: Vec<Vec<crate::Column>> = rows.iter().map(flatten).collect();
    csv_of(&flat)
}

/// Records as CSV: a header and one row each. Columns are the union over all records, in
/// first-seen order, so runs with different message kinds share one file (absent cells empty).
pub fn to_csv(records: &[RunRecord]) -> String {
    to_csv_rows(records)
}

fn csv_of(flat: &[Vec<crate::Column>]) -> String {
    let mut header: Vec<String> = Vec::new();
    for columns in flat {
        for column in columns {
            if !header.contains(&column.name) {
                header.push(column.name.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("writing to memory");
    for columns in flat {
        let row =
            header.iter().map(|name| columns.iter().find(|c| &c.name == name).map(|c| c.value.as_str()).unwrap_or(""));
        writer.write_record(row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("flushing to memory")).expect("CSV of UTF-8 fields")
}

/// The record for people: one aligned `name  value` line per field; violations one per line.
pub fn to_table(record: &RunRecord) -> String {
    let columns = flatten(record);
    let width = columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for column in columns {
        if column.name == "violations" {
            continue;
        }
        out.push_str(&format!("{:width$}  {}\n", column.name, column.value));
    }
    if record.violations.is_empty() {
        out.push_str(&format!("{:width$}  none\n", "violations"));
    } else {
        out.push_str(&format!("{:width$}  {}\n", "violations", record.violations.len()));
        for violation in &record.violations {
            out.push_str(&format!("  - {violation}\n"));
        }
    }
    out
}
