//! The bench's results as a Markdown table (stdout) and as JSON (`<target>/bench/results.json`). The ratio is
//! rdb's figure over the reference debugger's (gdb, or winedbg under Wine), whichever way the unit runs, and the
//! target says which way is better. The gdbserver column is gdb driving Debian's gdbserver, on the remote-protocol
//! line, where rdb is gdb driving `rdb --gdbserver`.

use std::fmt::Write;

/// The debuggers in the table, in column order.
pub const TOOLS: [&str; 5] = ["rdb", "gdb", "gdbserver", "lldb", "winedbg"];

/// One tool's figure on one line, or why there is none ("not installed", the reason a run failed).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Value(f64),
    Absent(String),
}

/// What rdb must reach against the reference: at least `ratio` times it (rates), or at most (time, memory).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
    /// rdb's own figure at most this, in the line's unit (a bound no other debugger's figure moves).
    Under(f64),
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub measure: String,
    /// `hits/s`, `steps/s`, `s`, `MiB`.
    pub unit: &'static str,
    /// One cell per tool of [`TOOLS`], in that order.
    pub cells: [Cell; 5],
    /// The tool the ratio is taken against: `gdb` or `winedbg`.
    pub reference: &'static str,
    /// `None` for an informative line.
    pub target: Option<Target>,
    /// How the figures were obtained (counts, what was subtracted), for the JSON and the notes under the table.
    pub note: String,
}

impl Row {
    fn cell(&self, tool: &str) -> &Cell {
        &self.cells[TOOLS.iter().position(|t| *t == tool).expect("a tool of the table")]
    }

    /// rdb's figure over `tool`'s, when both were measured.
    pub fn ratio_to(&self, tool: &str) -> Option<f64> {
        self.ratio_of("rdb", tool)
    }

    /// `tool`'s figure over `other`'s, when both were measured.
    fn ratio_of(&self, tool: &str, other: &str) -> Option<f64> {
        match (self.cell(tool), self.cell(other)) {
            (Cell::Value(tool), Cell::Value(other)) if *other > 0.0 => Some(tool / other),
            _ => None,
        }
    }

    /// gdbserver's figure over the reference's, where gdbserver was measured: what rdb's server is to be compared with.
    pub fn gdbserver_ratio(&self) -> Option<f64> {
        self.ratio_of("gdbserver", self.reference)
    }

    /// Whether the target is met: `None` for an informative line, or when a figure is missing.
    pub fn met(&self) -> Option<bool> {
        match self.target? {
            Target::AtLeast(t) => Some(self.ratio_to(self.reference)? >= t),
            Target::AtMost(t) => Some(self.ratio_to(self.reference)? <= t),
            Target::Under(bound) => match self.cell("rdb") {
                Cell::Value(v) => Some(*v <= bound),
                Cell::Absent(_) => None,
            },
        }
    }
}

/// The Markdown table, then one numbered note per line on how it was measured, then the machine's load.
pub fn markdown(rows: &[Row], load: &str) -> String {
    let mut out = String::from("| measure | rdb | gdb | gdbserver | lldb | winedbg | ratio | target | met |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.cells.iter().map(|c| cell_text(c, row.unit)).collect();
        let target = match row.target {
            Some(Target::AtLeast(t)) => format!("≥ {t}× {}", row.reference),
            Some(Target::AtMost(t)) => format!("≤ {t}× {}", row.reference),
            Some(Target::Under(bound)) => format!("≤ {bound} {}", row.unit),
            None => "informative".into(),
        };
        let met = match (row.target, row.met()) {
            (None, _) => "—",
            (Some(_), Some(true)) => "yes",
            (Some(_), Some(false)) => "**no**",
            (Some(_), None) => "not measured",
        };
        let _ = writeln!(
            out,
            "| {} [{}] | {} | {target} | {met} |",
            row.measure,
            i + 1,
            cells.join(" | ") + " | " + &ratio_text(row),
        );
    }
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        let _ = writeln!(out, "[{}] {}", i + 1, row.note);
    }
    let _ = writeln!(out, "\nMachine load (1, 5, 15 min averages): {load}. Figures are medians; see the notes above.");
    out
}

fn cell_text(cell: &Cell, unit: &str) -> String {
    match cell {
        Cell::Value(v) => format!("{} {unit}", number(*v)),
        Cell::Absent(why) => why.replace('|', "/"),
    }
}

/// Figures to three significant digits or whole numbers, whichever is longer: `12345`, `123`, `1.23`, `0.0123`.
fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// `7.12× gdb`, with gdbserver's and lldb's ratios after it when they were measured too, and then gdbserver's own
/// ratio to the reference: `25.1× gdb, 8.62× gdbserver (gdbserver: 2.91× gdb)`.
fn ratio_text(row: &Row) -> String {
    let others = ["gdbserver", "lldb"].into_iter().filter(|t| *t != row.reference);
    let parts: Vec<String> = std::iter::once(row.reference)
        .chain(others)
        .filter_map(|tool| Some(format!("{}× {tool}", number(row.ratio_to(tool)?))))
        .collect();
    if parts.is_empty() {
        return "—".into();
    }
    let mut text = parts.join(", ");
    if let Some(r) = row.gdbserver_ratio() {
        let _ = write!(text, " (gdbserver: {}× {})", number(r), row.reference);
    }
    text
}

/// The same results as JSON: one object per line of the table, figures as numbers (null when absent, with the
/// reason under `absent`), the ratio against the reference and whether the target is met.
pub fn json(rows: &[Row], load: &str, repeat: usize) -> String {
    let mut out = format!("{{\n  \"load\": {},\n  \"repeat\": {repeat},\n  \"rows\": [\n", quote(load));
    for (i, row) in rows.iter().enumerate() {
        let mut fields =
            vec![format!("\"measure\": {}", quote(&row.measure)), format!("\"unit\": {}", quote(row.unit))];
        let mut absent = Vec::new();
        for (tool, cell) in TOOLS.iter().zip(&row.cells) {
            match cell {
                Cell::Value(v) => fields.push(format!("\"{tool}\": {}", json_number(*v))),
                Cell::Absent(why) => {
                    fields.push(format!("\"{tool}\": null"));
                    absent.push(format!("\"{tool}\": {}", quote(why)));
                }
            }
        }
        fields.push(format!("\"absent\": {{{}}}", absent.join(", ")));
        fields.push(format!("\"reference\": {}", quote(row.reference)));
        let ratio = row.ratio_to(row.reference).map_or("null".into(), json_number);
        fields.push(format!("\"ratio\": {ratio}"));
        let gdbserver = row.gdbserver_ratio().map_or("null".into(), json_number);
        fields.push(format!("\"gdbserver_ratio\": {gdbserver}"));
        fields.push(match row.target {
            Some(Target::AtLeast(t)) => format!("\"target\": {{\"at_least\": {}}}", json_number(t)),
            Some(Target::AtMost(t)) => format!("\"target\": {{\"at_most\": {}}}", json_number(t)),
            Some(Target::Under(bound)) => format!("\"target\": {{\"rdb_at_most\": {}}}", json_number(bound)),
            None => "\"target\": null".into(),
        });
        fields.push(format!("\"met\": {}", row.met().map_or("null".into(), |m| m.to_string())));
        fields.push(format!("\"note\": {}", quote(&row.note)));
        let comma = if i + 1 < rows.len() { "," } else { "" };
        let _ = writeln!(out, "    {{{}}}{comma}", fields.join(", "));
    }
    out.push_str("  ]\n}\n");
    out
}

fn json_number(v: f64) -> String {
    if v.is_finite() { format!("{v:.4}") } else { "null".into() }
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rdb: Cell, gdb: Cell, target: Option<Target>) -> Row {
        Row {
            measure: "conditional bp".into(),
            unit: "hits/s",
            cells: [
                rdb,
                gdb,
                Cell::Absent("n/a".into()),
                Cell::Absent("not installed".into()),
                Cell::Absent("n/a".into()),
            ],
            reference: "gdb",
            target,
            note: "say \"why\"\n".into(),
        }
    }

    #[test]
    fn ratio_and_target_go_the_way_the_unit_runs() {
        let fast = row(Cell::Value(6000.0), Cell::Value(1000.0), Some(Target::AtLeast(5.0)));
        assert_eq!(fast.ratio_to("gdb"), Some(6.0));
        assert_eq!(fast.met(), Some(true));
        let heavy = row(Cell::Value(60.0), Cell::Value(100.0), Some(Target::AtMost(0.5)));
        assert_eq!(heavy.met(), Some(false));
        let informative = row(Cell::Value(1.0), Cell::Value(1.0), None);
        assert_eq!(informative.met(), None);
        let failed = row(Cell::Value(1.0), Cell::Absent("failed".into()), Some(Target::AtLeast(5.0)));
        assert_eq!(failed.met(), None);
    }

    #[test]
    fn markdown_has_one_line_per_row_and_its_note() {
        let rows = [row(Cell::Value(6123.4), Cell::Value(712.0), Some(Target::AtLeast(5.0)))];
        let table = markdown(&rows, "3.1 2.0 1.5");
        let line = table.lines().nth(2).unwrap();
        assert_eq!(
            line,
            "| conditional bp [1] | 6123 hits/s | 712 hits/s | n/a | not installed | n/a | 8.60× gdb | ≥ 5× gdb | yes |"
        );
        assert!(table.contains("[1] say \"why\"\n"));
        assert!(table.contains("3.1 2.0 1.5"));
    }

    #[test]
    fn the_remote_line_gives_gdbserver_its_own_ratio_to_gdb() {
        let mut remote = row(Cell::Value(100_000.0), Cell::Value(4000.0), Some(Target::AtLeast(20.0)));
        remote.cells[2] = Cell::Value(12_000.0);
        assert_eq!(remote.gdbserver_ratio(), Some(3.0));
        assert_eq!(ratio_text(&remote), "25.0× gdb, 8.33× gdbserver (gdbserver: 3.00× gdb)");
        assert!(json(&[remote], "", 1).contains("\"ratio\": 25.0000, \"gdbserver_ratio\": 3.0000,"));
    }

    #[test]
    fn json_escapes_and_gives_nulls_for_absent_figures() {
        let rows = [row(Cell::Value(0.5), Cell::Absent("failed: \"x\"".into()), None)];
        let json = json(&rows, "1 2 3", 5);
        assert!(json.contains("\"rdb\": 0.5000, \"gdb\": null"));
        assert!(json.contains(
            "\"absent\": {\"gdb\": \"failed: \\\"x\\\"\", \"gdbserver\": \"n/a\", \"lldb\": \"not installed\""
        ));
        assert!(json.contains("\"note\": \"say \\\"why\\\"\\n\""));
        assert!(json.contains("\"ratio\": null, \"gdbserver_ratio\": null, \"target\": null, \"met\": null"));
    }
}
