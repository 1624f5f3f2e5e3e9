//! DAP's base protocol: each message is `Content-Length: N\r\n\r\n` and N bytes of JSON. A [`Framer`] is fed the
//! client's bytes as they arrive (a message may come in pieces or several in one read) and hands out whole
//! messages. A bad header is one [`Frame::Bad`] and the framer finds the next `Content-Length` to carry on from,
//! so one garbled message never ends the session.

/// The most a header block may hold before it is judged garbage (real ones are a few dozen bytes).
const MAX_HEADER: usize = 8 * 1024;
/// The largest message body accepted: far above any real request (a `writeMemory` of a few megabytes), far below
/// what would exhaust memory.
pub const MAX_BODY: usize = 64 << 20;

const CONTENT_LENGTH: &[u8] = b"Content-Length";

#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A message's body (JSON, not yet parsed).
    Message(Vec<u8>),
    /// Bytes that were no message: why, in one line.
    Bad(String),
}

#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// The body length of the header already read, waiting for its bytes.
    body: Option<usize>,
}

impl Framer {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, or `None` until more bytes come.
    pub fn next_frame(&mut self) -> Option<Frame> {
        if let Some(len) = self.body {
            if self.buf.len() < len {
                return None;
            }
            self.body = None;
            let rest = self.buf.split_off(len);
            return Some(Frame::Message(std::mem::replace(&mut self.buf, rest)));
        }
        let Some(end) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() > MAX_HEADER {
                let why = "a header longer than 8 KiB: not a DAP message".to_string();
                self.resync(1);
                return Some(Frame::Bad(why));
            }
            return None;
        };
        match parse_header(&self.buf[..end]) {
            Ok(len) => {
                self.buf.drain(..end + 4);
                self.body = Some(len);
                self.next_frame()
            }
            Err(why) => {
                self.resync(1);
                Some(Frame::Bad(why))
            }
        }
    }

    /// Drop bytes up to the next `Content-Length` at or after `from` (all of them if there is none), where the
    /// next message presumably starts.
    fn resync(&mut self, from: usize) {
        let next = self.buf.get(from..).and_then(|rest| find(rest, CONTENT_LENGTH)).map(|i| i + from);
        match next {
            Some(i) => drop(self.buf.drain(..i)),
            None => {
                // Keep only a tail that could be the start of a `Content-Length` cut by the read (never a whole
                // header block, which would be judged again and again).
                let keep =
                    (1..CONTENT_LENGTH.len()).rev().find(|&k| self.buf.ends_with(&CONTENT_LENGTH[..k])).unwrap_or(0);
                self.buf.drain(..self.buf.len() - keep);
            }
        }
    }
}

/// The body length a header block gives, or why it is no DAP header.
fn parse_header(block: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(block).map_err(|_| "a header that is not text".to_string())?;
    let mut length = None;
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a malformed header line '{}'", shown(line)));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            let n: usize =
                value.parse().map_err(|_| format!("a Content-Length that is not a number: '{}'", shown(value)))?;
            if n > MAX_BODY {
                return Err(format!("a Content-Length of {n} bytes, more than the {MAX_BODY} accepted"));
            }
            length = Some(n);
        }
    }
    length.ok_or_else(|| "a header without Content-Length".to_string())
}

/// At most 60 characters of a header, its control characters escaped (it goes back into an error message).
fn shown(text: &str) -> String {
    text.chars().take(60).flat_map(char::escape_default).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One message framed for the wire.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(framer: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| framer.next_frame()).collect()
    }

    #[test]
    fn a_message_split_anywhere_comes_out_whole() {
        let wire = frame(br#"{"seq":1}"#);
        for cut in 0..wire.len() {
            let mut f = Framer::default();
            f.feed(&wire[..cut]);
            let first = all(&mut f);
            f.feed(&wire[cut..]);
            let mut frames = first;
            frames.extend(all(&mut f));
            assert_eq!(frames, vec![Frame::Message(br#"{"seq":1}"#.to_vec())], "cut at {cut}");
        }
    }

    #[test]
    fn merged_messages_come_out_one_by_one() {
        let mut f = Framer::default();
        let mut wire = frame(b"{}");
        wire.extend(frame(b"[1]"));
        wire.extend(b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        f.feed(&wire);
        assert_eq!(all(&mut f), [b"{}".to_vec(), b"[1]".to_vec(), b"{}".to_vec()].map(Frame::Message));
    }

    #[test]
    fn garbage_is_one_error_and_the_next_message_still_comes() {
        let mut f = Framer::default();
        let mut wire = b"hello there\r\n".to_vec();
        wire.extend(frame(b"{}"));
        f.feed(&wire);
        let frames = all(&mut f);
        assert!(matches!(&frames[0], Frame::Bad(why) if why.contains("malformed header line 'hello there'")));
        assert_eq!(frames[1..], [Frame::Message(b"{}".to_vec())]);

        let mut f = Framer::default();
        f.feed(b"Content-Length: x\r\n\r\n");
        f.feed(&frame(b"{}"));
        let frames = all(&mut f);
        assert!(matches!(&frames[0], Frame::Bad(why) if why.contains("not a number: 'x'")), "{frames:?}");
        assert_eq!(frames[1..], [Frame::Message(b"{}".to_vec())]);

        let mut f = Framer::default();
        f.feed(b"X-Other: 1\r\n\r\n");
        f.feed(&frame(b"{}"));
        let frames = all(&mut f);
        assert!(matches!(&frames[0], Frame::Bad(why) if why.contains("without Content-Length")), "{frames:?}");
        assert_eq!(frames[1..], [Frame::Message(b"{}".to_vec())]);
    }

    #[test]
    fn a_huge_content_length_is_refused_without_allocating_it() {
        let mut f = Framer::default();
        f.feed(b"Content-Length: 99999999999999999\r\n\r\nxx");
        f.feed(&frame(b"{}"));
        let frames = all(&mut f);
        assert!(matches!(&frames[0], Frame::Bad(why) if why.contains("more than")), "{frames:?}");
        assert_eq!(frames[1..], [Frame::Message(b"{}".to_vec())]);
        let mut f = Framer::default();
        f.feed(format!("Content-Length: {}\r\n\r\n", u128::MAX).as_bytes());
        assert!(matches!(all(&mut f)[..], [Frame::Bad(_)]));
    }

    #[test]
    fn an_endless_header_is_refused() {
        let mut f = Framer::default();
        f.feed(&vec![b'a'; MAX_HEADER + 10]);
        assert!(matches!(all(&mut f)[..], [Frame::Bad(_)]));
        f.feed(&frame(b"{}"));
        assert_eq!(all(&mut f).last(), Some(&Frame::Message(b"{}".to_vec())));
    }
}
