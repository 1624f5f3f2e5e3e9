//! gdb remote-protocol sessions with rdb's server over the in-memory process, as the `gdb_packets` fuzz target runs
//! them, generated from a fixed seed: packets from the protocol's vocabulary with arguments good, bad and damaged,
//! breakpoint conditions in random bytecode, raw bytes and Ctrl-Cs between them. The server must never panic and
//! must end when the client closes (`rdb_fuzzkit::gdb::run` checks both).
#![cfg(unix)]

use rdb_fuzzkit::gdb::run;
use rdb_fuzzkit::rng::Rng;

const SESSIONS: usize = 150;

#[rustfmt::skip]
const PACKETS: &[&str] = &[
    "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386", "QStartNoAckMode", "?", "g", "G", "p", "P", "m",
    "M", "X", "x", "Hg", "Hc", "qC", "qfThreadInfo", "qsThreadInfo", "T", "qAttached", "qXfer:features:read:target.xml:",
    "qXfer:exec-file:read::", "qXfer:auxv:read::", "qXfer:libraries-svr4:read::", "qXfer:libraries:read::",
    "qHostInfo", "qProcessInfo", "qRcmd,", "Z0,", "Z1,", "Z2,", "Z3,", "Z4,", "z0,", "z1,", "z2,", "vCont?", "vCont;c",
    "vCont;s:", "vCont;C1e:", "c", "s", "C05", "qOffsets", "qSymbol::", "vMustReplyEmpty", "qThreadExtraInfo,", "!",
    "vKill;", "k", "D", "vRun;", "vAttach;", "R00", "qTStatus", "QThreadSuffixSupported", "jThreadsInfo", "x0,0",
];

#[rustfmt::skip]
const ARGUMENTS: &[&str] = &[
    "", "0", "10", "4d2", "p4d2.4d2", "-1", "0,4", "555555555149,1", "555555555149,4", "7fffffff0000,100",
    "7fffffff0000,4:41424344", "ffffffffffffffff,10", "0,ffffffffffffffff", "10=0011223344556677", "0:00", "zz",
    "6c6d", "626c", "7220726970", "6720", "71", "0,fff", "100,40", "5555555580a0,4", ";X3,220502", ";X1,zz",
    ";X2,2207;cmds:0,X1,00", "p4d2.4d7", ",", ";", "#", "}", "*", "\u{3}",
];

/// One packet body: a word of the protocol, arguments, and sometimes damage.
fn packet(rng: &mut Rng) -> Vec<u8> {
    let mut body = rng.pick(PACKETS).as_bytes().to_vec();
    for _ in 0..rng.below(3) {
        body.extend_from_slice(rng.pick(ARGUMENTS).as_bytes());
    }
    if body.starts_with(b"Z0,") && rng.one_in(2) {
        // A condition of random bytecode, framed as gdb frames one.
        let code: Vec<u8> = (0..1 + rng.below(24)).map(|_| rng.below(256) as u8).collect();
        body.extend_from_slice(format!(";X{:x},", code.len()).as_bytes());
        body.extend(code.iter().flat_map(|b| format!("{b:02x}").into_bytes()));
    }
    match rng.below(8) {
        0 => body.truncate(rng.below(body.len() + 1)),
        1 => body.insert(rng.below(body.len() + 1), rng.below(256) as u8),
        _ => {}
    }
    // A line break would end the packet early: it stands for the next one.
    body.retain(|&b| b != b'\n');
    body
}

/// A session's input: framed packets (mode byte even), or sometimes raw bytes with packets in them (odd).
fn session(rng: &mut Rng) -> Vec<u8> {
    let packets: Vec<Vec<u8>> = (0..1 + rng.below(12)).map(|_| packet(rng)).collect();
    if rng.one_in(4) {
        let mut raw = vec![1u8];
        for p in &packets {
            raw.push(b'$');
            raw.extend_from_slice(p);
            raw.extend_from_slice(if rng.one_in(2) { b"#00" } else { b"#" });
            if rng.one_in(3) {
                raw.push(0x03);
            }
        }
        return raw;
    }
    let mut framed = vec![0u8];
    framed.extend(packets.join(&b'\n'));
    framed
}

#[test]
fn the_in_memory_process_is_served() {
    let replies =
        String::from_utf8_lossy(&run(b"\0?\nqXfer:features:read:target.xml:0,fff\nm555555555149,4\nqRcmd,6b"))
            .into_owned();
    assert!(replies.contains("T11thread:04d2;"), "{replies}");
    assert!(replies.contains("<architecture>i386:x86-64</architecture>"), "{replies}");
    // `add`'s first bytes (push rbp; mov rbp, rsp) and `monitor k`'s stack, hex-encoded console output.
    assert!(replies.contains("$554889e5#"), "{replies}");
    assert!(replies.contains("$O"), "{replies}");
}

#[test]
fn generated_sessions_never_panic_and_always_end() {
    let mut rng = Rng::new(0x5eed_0d6b);
    let mut replies = 0;
    for _ in 0..SESSIONS {
        replies += String::from_utf8_lossy(&run(&session(&mut rng))).matches('$').count();
    }
    // The sessions reach the server's handlers, not only its framing.
    assert!(replies > SESSIONS * 3, "{replies} replies in {SESSIONS} sessions");
}

#[test]
fn a_session_of_every_word_with_every_argument_ends() {
    for word in PACKETS {
        let mut input = vec![0u8];
        let bodies: Vec<String> = ARGUMENTS.iter().map(|a| format!("{word}{a}")).collect();
        input.extend(bodies.join("\n").into_bytes());
        run(&input);
    }
}
