//! Source mode on both backends, with `lines` (main → leaf, the recursive fact, sum_to's loop): stepping by line is
//! the engine's, so rdb.exe under Wine steps the lines gcc and mingw-w64 give the same program as rdb does on
//! Linux, and shows their text (`l+s`). The rest of source mode is in `source.rs`.

use rdb_testkit::prelude::*;

on_both_backends!(p_steps_over_calls_line_by_line_and_shows_each_line, p_over_recursion_and_gu_stay_in_their_frames);

fn line(marker: &str) -> u32 {
    line_of("lines.c", marker)
}

/// The lines of the stop locations (`module!symbol+0x.. [file @ line]:`) in `text`, in order.
fn stop_lines(text: &str) -> Vec<u32> {
    let rx = regex::Regex::new(r"(?m)^\w+!\w+(\+0x[0-9a-f]+)? \[[^\]]+ @ (\d+)\]:$").unwrap();
    rx.captures_iter(text).map(|c| c[2].parse().unwrap()).collect()
}

fn p_steps_over_calls_line_by_line_and_shows_each_line(b: Backend) {
    let run = b.launch("lines", &format!("l+ts\nbp lines!main\ng\n{}\np\np\np\np\nq\n", mark("p")));
    let p = run.section("p");
    let want: Vec<u32> = ["main-first", "main-fact", "main-sum", "main-print"].iter().map(|m| line(m)).collect();
    assert_eq!(stop_lines(p.text), want, "{}", run.dump());
    p.assert_contains(&format!(">{:>5}:     int b = fact(3); /* @main-fact */\n", line("main-fact")));
}

fn p_over_recursion_and_gu_stay_in_their_frames(b: Backend) {
    let run = b.launch(
        "lines",
        &format!("l+t\nbp `lines.c:{}`\ng\nbc *\n{}\np\n{}\ngu\nq\n", line("fact-rec"), mark("p"), mark("gu")),
    );
    // p over fact(2) at n = 3 stops at the same activation's next line; gu returns to main's next line.
    assert_eq!(stop_lines(run.section("p").text), [line("fact-end")], "{}", run.dump());
    assert_eq!(stop_lines(run.section("gu").text), [line("main-sum")], "{}", run.dump());
}
