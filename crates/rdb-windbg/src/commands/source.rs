//! Source commands: `l+`/`l-` (source options: `t` source mode, `l` line numbers, `s` source at the prompt),
//! `.lines`, `ls`, `lsa`, `lsp` and `.srcpath`. The engine finds the lines and reads the files; the console's
//! `SourceView` keeps the options and where the listing stands.

use rdb_engine::{Error, Result};

use super::{Cx, Flow};
use crate::source_view::{LINE_NUMBERS, Listing, OPTIONS, Window};

/// The most lines one window shows (`lsp`, `ls ..., count`): a listing is for reading.
const MAX_LINES: u64 = 1000;

/// `l+<letters>`, `l-<letters>` (`*` for all), `l?` or `l`: change or show the source options.
pub fn l(cx: &mut Cx, args: &str) -> Result<Flow> {
    let args = args.trim();
    if !(args.is_empty() || args == "?") {
        let (on, letters) = match (args.strip_prefix('+'), args.strip_prefix('-')) {
            (Some(letters), _) => (true, letters.trim()),
            (_, Some(letters)) => (false, letters.trim()),
            _ => return Err(Error::msg(format!("Syntax error at '{args}': l+ or l- and option letters (t, l, s)"))),
        };
        let mut bits = 0;
        for c in letters.chars() {
            bits |=
                match c {
                    '*' => OPTIONS.iter().fold(0, |all, o| all | o.0),
                    c => OPTIONS.iter().find(|o| o.1 == c.to_ascii_lowercase()).map(|o| o.0).ok_or_else(|| {
                        Error::msg(format!("Syntax error at '{c}': source options are t, l, s and *"))
                    })?,
                };
        }
        if bits == 0 {
            return Err(Error::msg(format!("Syntax error at '{args}': which options? (t, l, s or *)")));
        }
        let view = &mut cx.console.source;
        view.options = if on { view.options | bits } else { view.options & !bits };
    }
    show_options(cx);
    Ok(Flow::Next)
}

/// `Source options are 5:` and one line per option set, as WinDbg lists them.
fn show_options(cx: &mut Cx) {
    let options = cx.console.source.options;
    cx.out(format!("Source options are {options:x}:"));
    for (bit, letter, name) in OPTIONS {
        if options & bit != 0 {
            cx.out(format!("{bit:>6}/{letter} - {name}"));
        }
    }
}

/// `.lines [-e|-d|-t]`: line numbers on locations on, off, or toggled (the default).
pub fn lines(cx: &mut Cx, args: &str) -> Result<Flow> {
    let view = &mut cx.console.source;
    let on = match args.trim() {
        "" | "-t" => view.options & LINE_NUMBERS == 0,
        "-e" => true,
        "-d" => false,
        other => return Err(Error::msg(format!("Syntax error at '{other}': .lines takes -e, -d or -t"))),
    };
    view.options = if on { view.options | LINE_NUMBERS } else { view.options & !LINE_NUMBERS };
    cx.out(if on { "Line number information will be loaded" } else { "Line number information will not be loaded" });
    Ok(Flow::Next)
}

/// A line number or count, as an expression (hex by default, `0n27` decimal), at least 1 and at most `max`.
fn number(cx: &mut Cx, text: &str, what: &str, max: u64) -> Result<u32> {
    let n = cx.eval(text.trim())?;
    if n == 0 || n > max {
        return Err(Error::msg(format!("the {what} must be from 1 to 0n{max}, not 0n{n}")));
    }
    Ok(n as u32)
}

/// `ls [first][, count]`: source lines of the current file (the last stop's or `lsa`'s), from `first` (else where
/// the last listing ended), `count` of them (else `lsp -a`'s number).
pub fn ls(cx: &mut Cx, args: &str) -> Result<Flow> {
    let listing = match cx.console.source.listing.clone() {
        Some(listing) => listing,
        None => {
            // Nothing listed since the stop: the current thread's line.
            let line = match cx.session().is_live() {
                true => cx.rip().ok().and_then(|pc| cx.session().modules.source_line(pc)),
                false => None,
            };
            let Some(line) = line else {
                return Err(Error::msg("no current source file: stop in code with line information, or lsa <address>"));
            };
            cx.console.source.listing_at(&line)
        }
    };
    let (first, count) = match args.split_once(',') {
        Some((first, count)) => (first.trim(), Some(count.trim())),
        None => (args.trim(), None),
    };
    let first = if first.is_empty() { listing.next } else { number(cx, first, "first line", u64::from(u32::MAX))? };
    let count = match count {
        Some(c) => number(cx, c, "count", MAX_LINES)?,
        None => cx.console.source.listing_window.total(),
    };
    show(cx, Listing { next: first, ..listing }, count)
}

/// `lsa <address>`, `lsa .`: the source lines around the line of an address (`.` the current frame's), the line
/// itself marked `>`; `ls` goes on after them.
pub fn lsa(cx: &mut Cx, args: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() {
        return Err(Error::msg("Syntax error at '<EOL>': lsa takes an address, or . for the current one"));
    }
    let (address, line) = if args == "." {
        // The current frame's line (`.frame` chooses it): a caller's is the line of its call.
        let (tid, index) = (cx.tid(), cx.console.frame(cx.dbg));
        let frames = cx.session().frames(tid, index + 1)?;
        let frame = frames.get(index).ok_or_else(|| Error::msg(format!("frame {index:#x} does not exist")))?;
        (frame.pc, frame.source.clone())
    } else {
        let address = cx.eval(args)?;
        (address, cx.session().modules.source_line(address))
    };
    let Some(line) = line else {
        let place = cx.session().describe(address);
        return Err(Error::msg(format!("No line information for {place}")));
    };
    let window = cx.console.source.listing_window;
    let first = line.line.saturating_sub(window.before).max(1);
    show(cx, Listing { file: line.file, next: first, current: Some(line.line) }, window.total())
}

/// Print `count` lines of `listing` from its next line; the listing goes on after them.
fn show(cx: &mut Cx, listing: Listing, count: u32) -> Result<Flow> {
    let text = cx.console.source.window(&listing.file, listing.next, count, listing.current)?;
    if text.is_empty() {
        return Err(Error::msg(format!("{} has no line 0n{}", listing.file.display(), listing.next)));
    }
    for line in text {
        cx.out(line);
    }
    cx.console.source.listing = Some(Listing { next: listing.next.saturating_add(count), ..listing });
    Ok(Flow::Next)
}

/// `lsp [-a] [before after | total]`: how many source lines a stop shows with `l+s` (with `-a`: `ls` and `lsa`);
/// without numbers, both settings.
pub fn lsp(cx: &mut Cx, args: &str) -> Result<Flow> {
    let mut args = args.trim();
    let listing = match args.strip_prefix("-a") {
        Some(rest) => {
            args = rest.trim();
            true
        }
        None => false,
    };
    let words: Vec<&str> = args.split_whitespace().collect();
    let window = match words.as_slice() {
        [] => None,
        [total] => Some(Window::of(number(cx, total, "number of lines", MAX_LINES)?)),
        [before, after] => {
            let before = cx.eval(before)?;
            let after = number(cx, after, "number of lines from the current one", MAX_LINES)?;
            if before >= MAX_LINES {
                return Err(Error::msg(format!("the lines before must be fewer than 0n{MAX_LINES}, not 0n{before}")));
            }
            Some(Window { before: before as u32, after })
        }
        _ => {
            return Err(Error::msg(format!("Syntax error at '{args}': lsp [-a] <before> <after> or lsp [-a] <total>")));
        }
    };
    let view = &mut cx.console.source;
    match (window, listing) {
        (Some(w), true) => view.listing_window = w,
        (Some(w), false) => view.prompt = w,
        (None, _) => {}
    }
    let (prompt, listed) = (view.prompt, view.listing_window);
    if window.is_none() || !listing {
        cx.out(format!(
            "At the prompt (l+s), display 0n{} lines before and 0n{} from the current one",
            prompt.before, prompt.after
        ));
    }
    if window.is_none() || listing {
        cx.out(format!(
            "ls and lsa display 0n{} lines before and 0n{} from the current one",
            listed.before, listed.after
        ));
    }
    Ok(Flow::Next)
}

/// `.srcpath [dirs]`, `.srcpath+ dirs`: where source files are looked for when the path in the debug information
/// does not exist (directories separated by `;`); shown after any change.
pub fn srcpath(cx: &mut Cx, args: &str) -> Result<Flow> {
    let shown = set_path(&mut cx.console.source.path, args);
    cx.out(format!("Source search path is: {shown}"));
    Ok(Flow::Next)
}

/// `.sympath [dir[;dir...]]`, `.sympath+ dir`: set and shown as `.srcpath` is; the engine searches these
/// directories for a module's separate debug file (by build id, `.gnu_debuglink` name, `<file>.debug` or a copy of
/// the file) or a PE module's PDB before the system's places, and reads every module's symbols again when next
/// needed.
pub fn sympath(cx: &mut Cx, args: &str) -> Result<Flow> {
    let shown = set_path(&mut cx.console.symbol_path, args);
    let dirs = cx.console.symbol_path.dirs().to_vec();
    cx.session().set_symbol_path(dirs);
    cx.out(format!("Symbol search path is: {shown}"));
    Ok(Flow::Next)
}

/// `.exepath [dir[;dir...]]`, `.exepath+ dir`: where a dump's module images are looked for when they are not where
/// the dump says, set and shown as `.srcpath` is; the dump's modules not found yet are looked for again (a live
/// process's images are where it loaded them).
pub fn exepath(cx: &mut Cx, args: &str) -> Result<Flow> {
    let shown = set_path(&mut cx.console.exe_path, args);
    let dirs = cx.console.exe_path.dirs().to_vec();
    cx.session().set_image_path(dirs);
    cx.out(format!("Executable image search path is: {shown}"));
    Ok(Flow::Next)
}

/// The path commands' one rule: `+dirs` adds, `dirs` replaces, nothing shows; the path as shown afterwards.
fn set_path(path: &mut rdb_engine::sources::SourcePath, args: &str) -> String {
    match args.strip_prefix('+') {
        Some(more) => path.extend(more),
        None if !args.trim().is_empty() => *path = rdb_engine::sources::SourcePath::parse(args),
        None => {}
    }
    if path.dirs().is_empty() { "<empty>".to_string() } else { path.joined() }
}
