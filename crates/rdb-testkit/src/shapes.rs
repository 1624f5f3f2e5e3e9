//! rdb's output shapes (docs/console.md), as regex constants and builders, and the parsers of single values
//! (`00007fff`f7dc2000` addresses, stack rows) that the sections and the console driver share.

use regex::Regex;

/// A 64-bit value as rdb prints it: `00007fff`f7dc2000`.
pub const ADDR: &str = r"[0-9a-f]{8}`[0-9a-f]{8}";

/// The optional symbol-state column of an `lm` row (WinDbg's `(deferred)`, `(pdb symbols)`), with its padding.
pub const LM_STATE: &str = r"(?:\([^)\n]*\) +)?";

/// The two lines a first-chance exception adds after its `(first chance)` line.
pub const FIRST_CHANCE_NOTE: &str =
    "First chance exceptions are reported before any exception handling.\nThis exception may be expected and handled.";

/// The register dump of docs/console.md's "Stops" sample: what the patterns and parsers here are checked against.
pub const REGISTER_DUMP_SAMPLE: &str = "\
rax=0000000000000001 rbx=00007fffffffe4b8 rcx=0000555555557dd8
rdx=00007fffffffe4c8 rsi=00007fffffffe4b8 rdi=0000000000000001
rip=0000555555555149 rsp=00007fffffffe3a8 rbp=0000000000000001
 r8=0000000000000000  r9=00007ffff7fcf680 r10=00007ffff7fcb878
r11=00007ffff7fe1e30 r12=0000000000000000 r13=00007fffffffe4c8
r14=0000555555557dd8 r15=00007ffff7ffd020
iopl=0         nv up ei pl zr na po nc
cs=0033  ss=002b  ds=0000  es=0000  fs=0000  gs=0000             efl=00000246
";

/// docs/console.md's whole stop sample: the register dump, the location line `prog!main+0x4:` and one disassembly
/// line.
pub fn stop_sample() -> String {
    format!("{REGISTER_DUMP_SAMPLE}prog!main+0x4:\n00005555`5555514d 4883ec10        sub     rsp,10h\n")
}

/// Parses `00007fff`f7dc2000` (or plain hex).
pub fn addr(text: &str) -> u64 {
    u64::from_str_radix(&text.replace('`', ""), 16).unwrap_or_else(|e| panic!("not an address: {text:?}: {e}"))
}

/// Formats a value the way rdb prints 64-bit values.
pub fn fmt_addr(v: u64) -> String {
    format!("{:08x}`{:08x}", v >> 32, v & 0xffff_ffff)
}

/// The register dump every stop prints (docs/console.md "Stops").
pub fn regs_re() -> String {
    let r = |n: &str| format!("{n}=[0-9a-f]{{16}}");
    format!(
        "{} {} {}\n{} {} {}\n{} {} {}\n {}  {} {}\n{} {} {}\n{} {}\niopl=[0-9a-f]+ +(?:[a-z]{{2}} ){{7}}[a-z]{{2}}\n\
         cs=[0-9a-f]{{4}}  ss=[0-9a-f]{{4}}  ds=[0-9a-f]{{4}}  es=[0-9a-f]{{4}}  fs=[0-9a-f]{{4}}  gs=[0-9a-f]{{4}} +efl=[0-9a-f]{{8}}\n",
        r("rax"),
        r("rbx"),
        r("rcx"),
        r("rdx"),
        r("rsi"),
        r("rdi"),
        r("rip"),
        r("rsp"),
        r("rbp"),
        r("r8"),
        r("r9"),
        r("r10"),
        r("r11"),
        r("r12"),
        r("r13"),
        r("r14"),
        r("r15"),
    )
}

/// A whole stop: register dump, the location line `<location>:` (a regex, e.g. `hello!add` or
/// `steps!mid\+0x[0-9a-f]+`) and one disassembly line.
pub fn stop_re(location: &str) -> String {
    format!(r"{}{location}:\n{ADDR} [0-9a-f]+ +\S", regs_re())
}

/// The `(<pid>.<tid>): <name> - code <code> (first chance)` line; captures pid and tid.
pub fn exception_re(name: &str, code: &str) -> String {
    format!(r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): {name} - code {code} \(first chance\)$")
}

/// The `(<pid>.<tid>): <name> - code <code> (!!! second chance !!!)` line.
pub fn second_chance_re(name: &str, code: &str) -> String {
    format!(r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): {name} - code {code} \(!!! second chance !!!\)$")
}

/// The process exit line with a given hex exit code (`code 3`, `code 00000003` are both accepted); captures pid.
pub fn exit_code_re(code: u32) -> String {
    format!(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process ([0-9a-f]+), code 0*{code:x}$")
}

/// The process exit line for a death by signal (`signal 11 (SIGSEGV)`; the number in decimal or hex).
pub fn exit_signal_re(number: u32, name: &str) -> String {
    format!(r"(?m)^\([0-9a-f]+\.[0-9a-f]+\): Exit process ([0-9a-f]+), signal (?:{number}|0*{number:x}) \({name}\)$")
}

/// `Breakpoint <n> hit` followed by the stop at `location`.
pub fn bp_hit_re(n: u32, location: &str) -> String {
    format!(r"(?m)^Breakpoint {n} hit\n{}", stop_re(location))
}

/// The values printed by `?` (`Evaluate expression: 16 = 00000000`00000010`) in `text`, as 64-bit numbers.
pub fn parse_evaluations(text: &str) -> Vec<u64> {
    let rx = Regex::new(&format!(r"Evaluate expression: -?\d+ = ({ADDR})")).unwrap();
    rx.captures_iter(text).map(|c| addr(&c[1])).collect()
}

/// The call sites of the stack rows (`k`, `kn`, `kb`) in `text`, in order, with their source
/// (`Some(("/path/file.c", line))`) when the row has one.
pub fn parse_frames(text: &str) -> Vec<Frame> {
    let rx = Regex::new(&format!(r"(?m)^(?:[0-9a-f]{{2}} )?(?:{A}\s+|:\s+)+(\S+)(?: \[(.*) @ (\d+)\])?\s*$", A = ADDR))
        .unwrap();
    rx.captures_iter(text)
        .map(|c| Frame {
            site: c[1].to_string(),
            file: c.get(2).map(|m| m.as_str().to_string()),
            line: c.get(3).map(|m| m.as_str().parse().unwrap()),
        })
        .collect()
}

/// One stack row: its call site (`hello!add+0x8`) and, where the row gives one, its source file and line.
#[derive(Debug, Clone)]
pub struct Frame {
    pub site: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Frame {
    /// `site` is `want` or `want+0x...`.
    pub fn is(&self, want: &str) -> bool {
        self.site == want || self.site.strip_prefix(want).is_some_and(|rest| rest.starts_with("+0x"))
    }
}
