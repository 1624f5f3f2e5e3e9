//! What gdbstub 0.7 does not do yet, done at the packet level. It parses `Z0,addr,kind;X<len>,<bytecode>` but drops
//! the conditions and never offers `ConditionalBreakpoints` (its `Agent` extension is not written yet), so the
//! conditions are taken off here, on the way in, and the feature is added to its `qSupported` reply on the way out;
//! it writes `qProcessInfo`'s pid in decimal where lldb reads hex, and it answers `?` with SIGTRAP whatever the
//! stop was (lldb takes a SIGTRAP where it put a breakpoint as that breakpoint's hit): both are mended on the way
//! out. Packets gdbstub does not know and the server answers itself (lldb's `qFileLoadAddress`, see `lldb.rs`) are
//! taken off on the way in. Everything else passes through untouched, byte for byte.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::conditions::PendingConditions;

/// The most bytes one incoming packet may hold before it is passed through as it is (gdbstub then refuses it).
const MAX_PACKET: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between packets: acks, Ctrl-C.
    Outside,
    /// After `$`, before `#`.
    Body,
    /// After `#`: the checksum's digits seen so far.
    Checksum(u8),
}

/// The answer `?` should get: the stop the client was last told of.
#[derive(Debug, Default)]
pub struct StopReply {
    /// A `?` came in and its reply has not gone out yet.
    asked: bool,
    /// What the reply should start with instead of gdbstub's `T05` (`T13`, `W03`...).
    pub start: Option<String>,
    /// A `k` came in: gdbstub answers `OK` where lldb reads how the process ended (gdb reads no reply).
    killed: bool,
}

/// Incoming bytes on their way to gdbstub.
pub struct Framer {
    state: State,
    packet: Vec<u8>,
    /// The client's `qSupported` and `QStartNoAckMode`, as sent: what a new gdbstub session must hear again.
    negotiation: Vec<Vec<u8>>,
    pending: Rc<RefCell<PendingConditions>>,
    question: Rc<RefCell<StopReply>>,
    /// Bodies of the packets the server answers itself, in the order they came.
    own: VecDeque<Vec<u8>>,
    /// The client asked for no acknowledgements (`QStartNoAckMode`, which gdbstub always grants).
    no_ack: bool,
}

/// The packets gdbstub does not know that the server answers itself.
const OWN_PACKETS: [&[u8]; 1] = [b"qFileLoadAddress:"];

impl Framer {
    pub fn new(pending: Rc<RefCell<PendingConditions>>, question: Rc<RefCell<StopReply>>) -> Framer {
        Framer {
            state: State::Outside,
            packet: Vec::new(),
            negotiation: Vec::new(),
            pending,
            question,
            own: VecDeque::new(),
            no_ack: false,
        }
    }

    /// The client's negotiation so far, framed, for a new session to be told (see `server.rs`).
    pub fn negotiation(&self) -> Vec<u8> {
        self.negotiation.concat()
    }

    /// The body of the next packet the server answers itself.
    pub fn next_own(&mut self) -> Option<Vec<u8>> {
        self.own.pop_front()
    }

    /// Whether the client still expects a `+` for each packet.
    pub fn acks(&self) -> bool {
        !self.no_ack
    }

    /// Take in one byte; what gdbstub should see goes to `out` (nothing until a packet is complete).
    pub fn feed(&mut self, byte: u8, out: &mut Vec<u8>) {
        match self.state {
            State::Outside if byte == b'$' => {
                self.state = State::Body;
                self.packet.clear();
                self.packet.push(byte);
            }
            State::Outside => out.push(byte),
            State::Body => {
                self.packet.push(byte);
                if byte == b'#' {
                    self.state = State::Checksum(0);
                } else if self.packet.len() > MAX_PACKET {
                    out.append(&mut self.packet);
                    self.state = State::Outside;
                }
            }
            State::Checksum(n) => {
                self.packet.push(byte);
                if n == 0 {
                    self.state = State::Checksum(1);
                } else {
                    self.state = State::Outside;
                    let packet = std::mem::take(&mut self.packet);
                    out.extend(self.rewrite(packet));
                }
            }
        }
    }

    /// A complete packet (`$body#cs`): a `Z0`/`Z1` with conditions loses them to the pending conditions; a plain
    /// one clears any left from before.
    fn rewrite(&mut self, packet: Vec<u8>) -> Vec<u8> {
        let Some(body) = packet.get(1..packet.len().saturating_sub(3)) else { return packet };
        if body == b"?" {
            self.question.borrow_mut().asked = true;
        }
        if body.starts_with(b"qSupported") || body == b"QStartNoAckMode" {
            self.negotiation.retain(|p| p.get(1..5) != body.get(..4));
            self.negotiation.push(packet.clone());
        }
        if body == b"k" {
            self.question.borrow_mut().killed = true;
        }
        if body == b"QStartNoAckMode" {
            self.no_ack = true;
        }
        if OWN_PACKETS.iter().any(|p| body.starts_with(p)) {
            self.own.push_back(body.to_vec());
            return Vec::new();
        }
        let Some((kind, rest)) = breakpoint_insertion(body) else { return packet };
        let (base, conditions) = match rest.iter().position(|&b| b == b';') {
            Some(at) => (&body[..body.len() - rest.len() + at], Some(&rest[at + 1..])),
            None => (body, None),
        };
        let Some(address) = address_of(base) else { return packet };
        let programs = conditions.map(bytecode_list).unwrap_or(Some(Vec::new()));
        let Some(programs) = programs else { return packet };
        self.pending.borrow_mut().set(kind, address, programs);
        if conditions.is_none() {
            return packet;
        }
        frame(base)
    }
}

/// `Z0,`/`Z1,` and what follows.
fn breakpoint_insertion(body: &[u8]) -> Option<(u8, &[u8])> {
    match body {
        [b'Z', k @ (b'0' | b'1'), b',', rest @ ..] => Some((k - b'0', rest)),
        _ => None,
    }
}

/// The address of `Zk,addr,kind`.
fn address_of(base: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(base.get(3..)?).ok()?;
    u64::from_str_radix(text.split(',').next()?, 16).ok()
}

/// The bytecode programs of `X<len>,<hex>X<len>,<hex>...` (a `cmds:` part after them is ignored); `None` if
/// malformed.
fn bytecode_list(conditions: &[u8]) -> Option<Vec<Vec<u8>>> {
    let text = std::str::from_utf8(conditions).ok()?;
    let text = text.split(";cmds").next()?;
    if text.starts_with("cmds") {
        return Some(Vec::new());
    }
    let mut programs = Vec::new();
    for item in text.split('X').skip(1) {
        let (len, hex) = item.split_once(',')?;
        let len = usize::from_str_radix(len, 16).ok()?;
        if hex.len() != 2 * len {
            return None;
        }
        programs.push(unhex(hex.as_bytes())?);
    }
    Some(programs)
}

/// The bytes a packet spells in hex (two digits a byte); `None` if malformed.
pub(crate) fn unhex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2).map(|pair| std::str::from_utf8(pair).ok().and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// `$body#cs`.
pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    let sum = body.iter().fold(0u8, |s, b| s.wrapping_add(*b));
    let mut packet = Vec::with_capacity(body.len() + 4);
    packet.push(b'$');
    packet.extend_from_slice(body);
    packet.extend_from_slice(format!("#{sum:02x}").as_bytes());
    packet
}

/// Outgoing bytes, mended: the reply to `?` (the last stop) and to `k` (killed: `X09`); gdbstub's `qSupported` reply (the only packet that starts with `PacketSize=`) gains
/// `ConditionalBreakpoints+`; its `qProcessInfo` reply (the only one that starts with `pid:`) gets its pid in hex.
pub fn mend_replies(outgoing: &mut Vec<u8>, question: &RefCell<StopReply>) {
    let mut q = question.borrow_mut();
    if q.asked
        && let Some(start) = q.start.clone()
    {
        // The bytes of a `?` are framed as they arrive, with those of the packets before it: the flag waits for the
        // reply that answers it.
        let answered = mend(outgoing, b"$T05thread:", |body| body.splice(..3, start.bytes()).for_each(drop))
            || (!start.starts_with('T') && mend(outgoing, b"$W00", |body| *body = start.clone().into_bytes()));
        if answered {
            q.asked = false;
        }
    }
    if q.killed {
        mend(outgoing, b"$OK#", |body| *body = b"X09".to_vec());
        q.killed = false;
    }
    drop(q);
    mend(outgoing, b"$PacketSize=", |body| body.extend_from_slice(b";ConditionalBreakpoints+"));
    mend(outgoing, b"$pid:", |body| {
        let text = String::from_utf8_lossy(body).into_owned();
        let Some((pid, rest)) = text.strip_prefix("pid:").and_then(|t| t.split_once(';')) else { return };
        let Ok(pid) = pid.parse::<u64>() else { return };
        *body = format!("pid:{pid:x};{rest}").into_bytes();
    });
}

/// Rewrite the body of the packet in `outgoing` that starts with `start` (its `$` included), framed anew; whether
/// there was one.
fn mend(outgoing: &mut Vec<u8>, start: &[u8], change: impl FnOnce(&mut Vec<u8>)) -> bool {
    let Some(at) = outgoing.windows(start.len()).position(|w| w == start) else { return false };
    let Some(hash) = outgoing[at..].iter().position(|&b| b == b'#').map(|h| at + h) else { return false };
    if outgoing.len() < hash + 3 {
        return false;
    }
    let mut body = outgoing[at + 1..hash].to_vec();
    change(&mut body);
    let framed = frame(&body);
    outgoing.splice(at..hash + 3, framed);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8]) -> (Vec<u8>, Rc<RefCell<PendingConditions>>) {
        let pending = Rc::new(RefCell::new(PendingConditions::default()));
        let mut framer = Framer::new(pending.clone(), Default::default());
        let mut out = Vec::new();
        input.iter().for_each(|b| framer.feed(*b, &mut out));
        (out, pending)
    }

    #[test]
    fn conditions_are_taken_off_a_z0() {
        let (out, pending) = run(b"+$Z0,401136,1;X3,220502#00");
        assert_eq!(out, [b"+".as_slice(), &frame(b"Z0,401136,1")].concat());
        assert_eq!(pending.borrow_mut().take(0, 0x401136), Some(vec![vec![0x22, 0x05, 0x02]]));
    }

    #[test]
    fn other_packets_pass_byte_for_byte() {
        let input = b"$qSupported:multiprocess+;xmlRegisters=i386#6a\x03$m401000,4#5b-";
        assert_eq!(run(input).0, input);
        let (out, pending) = run(b"$Z0,10,1#00");
        assert_eq!(out, b"$Z0,10,1#00");
        assert_eq!(pending.borrow_mut().take(0, 0x10), Some(Vec::new()));
    }

    #[test]
    fn packets_the_server_answers_never_reach_gdbstub() {
        let mut framer = Framer::new(Default::default(), Default::default());
        let mut out = Vec::new();
        b"$QStartNoAckMode#b0$qFileLoadAddress:2f61#00$g#67".iter().for_each(|b| framer.feed(*b, &mut out));
        assert_eq!(out, b"$QStartNoAckMode#b0$g#67");
        assert_eq!(framer.next_own(), Some(b"qFileLoadAddress:2f61".to_vec()));
        assert_eq!(framer.next_own(), None);
        assert!(!framer.acks());
    }

    #[test]
    fn malformed_conditions_reach_gdbstub_as_they_are() {
        for input in [&b"$Z0,10,1;X5,22#00"[..], b"$Z0,zz,1;X1,22#00", b"$Z0,10,1;X1,g2#00", b"$Z1,#00"] {
            assert_eq!(run(input).0, input);
        }
    }

    #[test]
    fn the_feature_is_advertised() {
        let mut out = frame(b"PacketSize=1000;vContSupported+");
        out.insert(0, b'+');
        mend_replies(&mut out, &Default::default());
        assert_eq!(out, [b"+".as_slice(), &frame(b"PacketSize=1000;vContSupported+;ConditionalBreakpoints+")].concat());
    }

    #[test]
    fn a_question_is_answered_with_the_last_stop() {
        let question = Rc::new(RefCell::new(StopReply { start: Some("T13".into()), ..Default::default() }));
        let mut framer = Framer::new(Default::default(), question.clone());
        let mut out = Vec::new();
        b"$?#3f".iter().for_each(|b| framer.feed(*b, &mut out));
        let mut reply = frame(b"T05thread:p10.10;");
        mend_replies(&mut reply, &question);
        assert_eq!(reply, frame(b"T13thread:p10.10;"));
        // Only the reply to `?`: a stop reply after a `c` is gdbstub's own.
        let mut reply = frame(b"T05thread:p10.10;");
        mend_replies(&mut reply, &question);
        assert_eq!(reply, frame(b"T05thread:p10.10;"));
    }

    #[test]
    fn a_kill_is_answered_with_the_end_of_the_process() {
        let question = Rc::new(RefCell::new(StopReply::default()));
        let mut framer = Framer::new(Default::default(), question.clone());
        b"$k#6b".iter().for_each(|b| framer.feed(*b, &mut Vec::new()));
        let mut reply = frame(b"OK");
        mend_replies(&mut reply, &question);
        assert_eq!(reply, frame(b"X09"));
        let mut reply = frame(b"OK");
        mend_replies(&mut reply, &question);
        assert_eq!(reply, frame(b"OK"), "only the reply to the k");
    }

    #[test]
    fn the_process_info_pid_is_hex() {
        let mut out = frame(b"pid:15983;triple:00;endian:little;");
        mend_replies(&mut out, &Default::default());
        assert_eq!(out, frame(b"pid:3e6f;triple:00;endian:little;"));
    }
}
