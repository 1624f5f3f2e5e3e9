//! `.help`: one entry per command, with its syntax, what it does and an example.

struct Entry {
    name: &'static str,
    syntax: &'static str,
    what: &'static str,
    example: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry {
        name: "g",
        syntax: "g [<where>]",
        what: "Continue; with an address or symbol, run until it is reached. After an exception, continues it as its filter says (sx).",
        example: "g demo!main",
    },
    Entry {
        name: "gh",
        syntax: "gh",
        what: "Continue with the exception handled: a signal is suppressed.",
        example: "gh",
    },
    Entry {
        name: "gn",
        syntax: "gn",
        what: "Continue with the exception not handled: a signal is delivered to the debuggee, whose handlers run.",
        example: "gn",
    },
    Entry {
        name: "gc",
        syntax: "gc",
        what: "In a breakpoint's commands: continue the way the run that hit it was going: after g, run freely; after t, trace on; after p over a call or gu, still stop where that was going. After any other stop, as g.",
        example: "bp demo!tick \"r rdi; gc\"",
    },
    Entry {
        name: "t",
        syntax: "t [<count>]",
        what: "Trace: execute one instruction (or count), stepping into calls. In source mode (l+t), one source line: into a function with line information, through one without.",
        example: "t 3",
    },
    Entry {
        name: "p",
        syntax: "p [<count>]",
        what: "Step: execute one instruction (or count), running calls to their return. In source mode (l+t), one source line, over calls.",
        example: "p",
    },
    Entry {
        name: "gu",
        syntax: "gu",
        what: "Go up: run until the current function returns to its caller. In source mode (l+t), then on to the next line boundary in the caller.",
        example: "gu",
    },
    Entry { name: "pc", syntax: "pc", what: "Step (over calls) until the next call instruction.", example: "pc" },
    Entry { name: "tc", syntax: "tc", what: "Trace (into calls) until the next call instruction.", example: "tc" },
    Entry {
        name: "bp",
        syntax: "bp [/w \"<condition>\"] <where> [<passes>] [\"<commands>\"]",
        what: "Set a breakpoint at an address, symbol or `file:line`. With /w, it stops only where the MASM condition is non-zero on the thread that hit; a condition that reads only registers and memory runs inside the debuggee (bl shows (in-process)), so a false hit costs no stop at all, and any other is decided in the engine at one stop per hit; a condition that cannot be evaluated stops with a note. With passes, it stops on that pass (true hits only). The commands run at each stop; j and .if choose among them, gc continues.",
        example: "bp /w \"@rdi == 7\" demo!tick",
    },
    Entry {
        name: "bu",
        syntax: "bu [/w \"<condition>\"] <where> [<passes>] [\"<commands>\"]",
        what: "Set a deferred breakpoint: it resolves whenever its module loads.",
        example: "bu plugin!plugin_answer",
    },
    Entry {
        name: "bm",
        syntax: "bm [/w \"<condition>\"] <module!pattern>",
        what: "Set a breakpoint on every symbol matching a wildcard pattern.",
        example: "bm demo!tick*",
    },
    Entry {
        name: "ba",
        syntax: "ba [~<thread>] [/w \"<condition>\"] <e|r|w><1|2|4|8> <where> [<passes>] [\"<commands>\"]",
        what: "Set a hardware breakpoint in a debug register (4 at most): e stops before executing the instruction, w after a write, r after a read or write of the aligned 1-8 bytes; a data stop shows the old and new value. On every thread, or only ~<thread>.",
        example: "ba w4 demo!counter",
    },
    Entry {
        name: "bpm",
        syntax: "bpm [/w \"<condition>\"] <where> <size> [r|w|x|a] [<passes>] [\"<commands>\"]",
        what: "Set a memory breakpoint on any range through guard pages: stops on the instruction that reads (r), writes (w), executes (x) or touches (a, the default) it. Not every target has guard pages (Linux does not yet).",
        example: "bpm demo!buffer 100 w",
    },
    Entry {
        name: "bl",
        syntax: "bl",
        what: "List breakpoints: id, state (e enabled, d disabled, u unresolved), address, what ba and bpm watch (w 4), passes, thread, symbol, condition (/w \"...\", then (in-process) if it runs inside the debuggee), hits, commands.",
        example: "bl",
    },
    Entry { name: "bc", syntax: "bc <ids|range|*>", what: "Clear breakpoints.", example: "bc 0-2" },
    Entry { name: "bd", syntax: "bd <ids|range|*>", what: "Disable breakpoints.", example: "bd *" },
    Entry { name: "be", syntax: "be <ids|range|*>", what: "Enable breakpoints.", example: "be 1" },
    Entry {
        name: "r",
        syntax: "r [<reg>[=<expr>][, ...]]",
        what: "Show all registers, one register, or set registers.",
        example: "r rax=0n42",
    },
    Entry {
        name: "db",
        syntax: "db <addr> [L<count>|<end>]",
        what: "Display bytes with their characters (d is the same).",
        example: "db @rsp L20",
    },
    Entry { name: "dw", syntax: "dw <addr> [L<count>]", what: "Display 16-bit words.", example: "dw demo!counter L4" },
    Entry {
        name: "dd",
        syntax: "dd <addr> [L<count>]",
        what: "Display 32-bit double words.",
        example: "dd demo!counter L1",
    },
    Entry { name: "dq", syntax: "dq <addr> [L<count>]", what: "Display 64-bit quad words.", example: "dq @rsp L4" },
    Entry {
        name: "da",
        syntax: "da <addr>",
        what: "Display a NUL-terminated ASCII string.",
        example: "da demo!message",
    },
    Entry { name: "du", syntax: "du <addr>", what: "Display a NUL-terminated UTF-16 string.", example: "du @rdi" },
    Entry { name: "eb", syntax: "eb <addr> <byte> [...]", what: "Write bytes.", example: "eb demo!message 4a" },
    Entry { name: "ew", syntax: "ew <addr> <word> [...]", what: "Write 16-bit words.", example: "ew @rsp 1234" },
    Entry {
        name: "ed",
        syntax: "ed <addr> <dword> [...]",
        what: "Write 32-bit double words.",
        example: "ed demo!counter 2a",
    },
    Entry { name: "eq", syntax: "eq <addr> <qword> [...]", what: "Write 64-bit quad words.", example: "eq @rsp 0" },
    Entry {
        name: "ea",
        syntax: "ea <addr> \"<text>\"",
        what: "Write an ASCII string (no terminating NUL).",
        example: "ea demo!message \"Howdy\"",
    },
    Entry {
        name: "eu",
        syntax: "eu <addr> \"<text>\"",
        what: "Write a UTF-16 string (no terminating NUL).",
        example: "eu @rdi \"hi\"",
    },
    Entry {
        name: "s",
        syntax: "s -b|-w|-d|-q|-a|-u <addr> L<len> <pattern>",
        what: "Search memory for bytes, values or a string.",
        example: "s -a demo!message L100 \"rdb\"",
    },
    Entry {
        name: "u",
        syntax: "u [<addr>] [L<count>]",
        what: "Disassemble (8 instructions by default; continues where the last u ended).",
        example: "u demo!main L4",
    },
    Entry {
        name: "uf",
        syntax: "uf [<addr>]",
        what: "Disassemble the whole function that contains the address.",
        example: "uf demo!main",
    },
    Entry {
        name: "ub",
        syntax: "ub [<addr>] [L<count>]",
        what: "Disassemble the instructions that end at the address (8 by default).",
        example: "ub @rip L4",
    },
    Entry {
        name: "lm",
        syntax: "lm [v] [l] [1m] [m <pattern>] [a <address>] | lmvm <module>",
        what: "List modules: start, end, name, symbol state, path. v adds image path and name, time stamp (a PE's), size and symbol file; m those whose name or file name matches the wildcard pattern; a the one holding the address; l those whose symbols are read; 1m names alone.",
        example: "lmvm libc",
    },
    Entry {
        name: "x",
        syntax: "x <module!pattern>",
        what: "List symbols matching a wildcard pattern.",
        example: "x demo!*dd*",
    },
    Entry {
        name: "ln",
        syntax: "ln [<addr>]",
        what: "List the nearest symbols around an address.",
        example: "ln @rip",
    },
    Entry {
        name: "k",
        syntax: "k [<frames>]",
        what: "Show the stack: child SP, return address, call site with source line.",
        example: "k",
    },
    Entry { name: "kn", syntax: "kn [<frames>]", what: "Show the stack with frame numbers.", example: "kn" },
    Entry {
        name: "kb",
        syntax: "kb [<frames>]",
        what: "Show the stack with the first four stack slots of each frame.",
        example: "kb",
    },
    Entry {
        name: "kp",
        syntax: "kp [<frames>] | kP [<frames>]",
        what: "Show the stack with each frame's parameters and their values (DWARF); kP puts each parameter on its own line.",
        example: "kP 3",
    },
    Entry {
        name: "dv",
        syntax: "dv [/t] [/v] [/i] [<pattern>]",
        what: "Show the current frame's parameters and locals (DWARF): /t with types, /v where each lives, /i whether each is a parameter or a local; a wildcard pattern picks names.",
        example: "dv /t",
    },
    Entry {
        name: ".frame",
        syntax: ".frame [/r] [<n>]",
        what: "Show the current frame, or make frame n (as kn numbers it) current for dv until the next stop; /r adds the frame's registers.",
        example: ".frame 1",
    },
    Entry {
        name: "??",
        syntax: "?? <C++ expression>",
        what: "Evaluate a C++ expression in the current frame (locals, parameters, globals, module!var, . -> [] & * casts sizeof arithmetic logic) and show its type and value; a struct with its members.",
        example: "?? p->x + 1",
    },
    Entry {
        name: "dx",
        syntax: "dx [-r<n>] <C++ expression>",
        what: "Show a C++ expression's value with its type, and its children (members, elements, what a pointer points to) n levels deep (1 by default).",
        example: "dx -r2 p",
    },
    Entry {
        name: "dt",
        syntax: "dt [-r[<n>]] [module!]<type> [<address>|<variable>] | dt [-r[<n>]] <variable>",
        what: "Show a type's layout (offsets, member types, bitfields), or an object's members with their values; -r recurses into nested structs.",
        example: "dt vars!point p",
    },
    Entry {
        name: "l",
        syntax: "l+<t|l|s|*> | l-<t|l|s|*> | l?",
        what: "Source options: t source mode (t, p and gu step by source line), l locations show [file @ line], s stops show their source line (lsp sets how many). Prints the options set.",
        example: "l+t",
    },
    Entry {
        name: ".lines",
        syntax: ".lines [-e|-d|-t]",
        what: "Line numbers on stop locations ([file @ line]) on, off, or toggled (as l+l and l-l).",
        example: ".lines",
    },
    Entry {
        name: "ls",
        syntax: "ls [<first>][, <count>]",
        what: "List source lines of the current file (the last stop's, or lsa's) from line first (an expression: 0n20 is decimal), going on where the last listing ended.",
        example: "ls 0n20, 5",
    },
    Entry {
        name: "lsa",
        syntax: "lsa <address> | lsa .",
        what: "List the source lines around the line of an address (. the current frame's), that line marked with >.",
        example: "lsa demo!main",
    },
    Entry {
        name: "lsp",
        syntax: "lsp [-a] [<before> <after> | <total>]",
        what: "How many source lines a stop shows with l+s (with -a: ls and lsa); without numbers, show both settings.",
        example: "lsp -a 0n20",
    },
    Entry {
        name: ".srcpath",
        syntax: ".srcpath [<dir>[;<dir>...]] | .srcpath+ <dir>",
        what: "Show or set where source files are looked for when the path in the debug information does not exist; .srcpath+ adds directories.",
        example: ".srcpath /home/me/src",
    },
    Entry {
        name: "~",
        syntax: "~ | ~<n>s | ~<n|*|.|#> <command>",
        what: "List threads, switch to thread n, or run a command on threads.",
        example: "~*k",
    },
    Entry {
        name: "|",
        syntax: "| | |<n>s",
        what: "List the processes being debugged (children followed with .childdbg 1 or -o), or make process n current.",
        example: "|1s",
    },
    Entry {
        name: ".exr",
        syntax: ".exr -1",
        what: "Show the last exception's record: its address, code, flags (1 = second chance) and parameters.",
        example: ".exr -1",
    },
    Entry {
        name: ".childdbg",
        syntax: ".childdbg [0|1]",
        what: "Show or change whether processes the debuggee creates are debugged too, each as a process of its own (on Linux at once, under Wine from the next .restart).",
        example: ".childdbg 1",
    },
    Entry {
        name: "!peb",
        syntax: "!peb [<addr>]",
        what: "Windows only: show the process environment block (or the one at addr). BeingDebugged, image base, the loader's module list, heap, current directory, command line, environment; @$peb is its address.",
        example: "!peb",
    },
    Entry {
        name: "!teb",
        syntax: "!teb [<addr>]",
        what: "Windows only: show the current thread's environment block (or the one at addr). Stack base and limit, client id, TLS, last error; @$teb is its address.",
        example: "~1 !teb",
    },
    Entry {
        name: "?",
        syntax: "? <expr>",
        what: "Evaluate a MASM expression: hex by default (0n decimal), @reg, pseudo-registers ($ip, $ra, $exentry, $tid, $tpid; $peb and $teb on Windows), module!symbol, poi(), by/wo/dwo/qwo(), arithmetic and comparisons.",
        example: "? @rsp+0n16",
    },
    Entry { name: "sx", syntax: "sx", what: "List event filters and what each does.", example: "sx" },
    Entry {
        name: "sxe",
        syntax: "sxe [-h|-n] <event>",
        what: "Break on an event (ld, ud, ct, et, epr, av, sigusr1, ...); -h/-n set how g continues it.",
        example: "sxe ld",
    },
    Entry {
        name: "sxd",
        syntax: "sxd <event>",
        what: "Break on an exception's second chance only; show other events.",
        example: "sxd av",
    },
    Entry { name: "sxn", syntax: "sxn <event>", what: "Show an event without stopping.", example: "sxn sigusr1" },
    Entry {
        name: "sxi",
        syntax: "sxi <event>",
        what: "Ignore an event: no output, no stop (exceptions still stop on the second chance).",
        example: "sxi ct",
    },
    Entry {
        name: ".attach",
        syntax: ".attach <pid>",
        what: "Attach to a running process (pid in hex; 0n for decimal).",
        example: ".attach 0n1234",
    },
    Entry {
        name: ".detach",
        syntax: ".detach",
        what: "Remove every breakpoint and let the debuggee run on undebugged.",
        example: ".detach",
    },
    Entry {
        name: ".restart",
        syntax: ".restart",
        what: "Kill the debuggee and launch the same command line again; breakpoints stay.",
        example: ".restart",
    },
    Entry { name: ".echo", syntax: ".echo <text>", what: "Print text.", example: ".echo hello" },
    Entry {
        name: "j",
        syntax: "j <expr> '<commands>' ; '<commands>'",
        what: "Run the first commands if the expression is non-zero, else the second. Quotes (single) are needed only around several commands; either may be empty (''). j takes the rest of its line: what follows the second commands after a ; is ignored.",
        example: "bp demo!tick \"j (poi(demo!counter) > 5) '.echo big; r rdi'; 'gc'\"",
    },
    Entry {
        name: ".if",
        syntax: ".if (<expr>) { <commands> } [.elsif (<expr>) { <commands> }]... [.else { <commands> }]",
        what: "Run the block of the first non-zero condition, or the .else block. Semicolons inside braces stay in the block.",
        example: "bp demo!tick \".if (@rdi == 3) {.echo three} .else {gc}\"",
    },
    Entry {
        name: ".else",
        syntax: ".if (<expr>) { ... } .elsif (<expr>) { ... } .else { ... }",
        what: ".else and .elsif continue an .if on the same command; alone they are an error.",
        example: ".if (@rax) {r rax} .else {r rbx}",
    },
    Entry { name: ".help", syntax: ".help [<command>]", what: "List commands, or explain one.", example: ".help bp" },
    Entry {
        name: "q",
        syntax: "q",
        what: "Quit: kills a debuggee rdb launched, detaches from one it attached to.",
        example: "q",
    },
    Entry { name: "qd", syntax: "qd", what: "Detach and quit: the debuggee runs on.", example: "qd" },
];

/// `.help` with no topic: one line per command.
pub fn summary() -> Vec<String> {
    let mut lines = vec!["rdb commands (.help <command> for details):".to_string()];
    lines.extend(ENTRIES.iter().map(|e| format!("  {:<44} {}", e.syntax, e.what.split(". ").next().unwrap_or(e.what))));
    lines
}

/// `.help <command>`.
pub fn topic(name: &str) -> Option<String> {
    let name = name.trim().to_ascii_lowercase();
    let e = ENTRIES.iter().find(|e| e.name == name)?;
    Some(format!("{}\n  {}\n  Example: {}", e.syntax, e.what, e.example))
}
