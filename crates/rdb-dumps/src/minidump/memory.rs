//! The process memory a minidump holds: the ranges of its memory lists (`MemoryListStream`, a small dump's stacks
//! and the bytes around the fault; `Memory64ListStream`, a full dump's every committed page), indexed by address
//! and read from the mapped file when asked, nothing copied.
//!
//! The lists are read here rather than through rust-minidump, which drops a whole `Memory64ListStream` when one of
//! its ranges runs past the end of the file: the very thing a truncated full dump has, where every range before
//! the cut is still good. A range is kept for the bytes the file holds of it.

/// One range of the process's memory and where its bytes are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u64,
    len: u64,
    offset: u64,
}

impl Range {
    fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// The memory ranges of a dump, disjoint and sorted by address.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    ranges: Vec<Range>,
}

/// What the lists said and what the file lacks of it, for the dump's warnings.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Shortfall {
    /// Bytes of memory the lists name that lie past the end of the file.
    pub missing_bytes: u64,
    /// Descriptors the list counts that its stream is too short to hold.
    pub missing_descriptors: u64,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at.checked_add(4)?).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at.checked_add(8)?).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes)
}

/// Collects ranges from the lists, then indexes them.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    ranges: Vec<Range>,
    pub shortfall: Shortfall,
}

impl Builder {
    /// One range whose bytes are at `offset` in a file of `file_len` bytes: kept for the part the file holds.
    pub fn add(&mut self, start: u64, len: u64, offset: u64, file_len: u64) {
        let held = file_len.saturating_sub(offset).min(len);
        self.shortfall.missing_bytes += len - held;
        // A range that wraps past the top of the address space is cut there.
        let held = held.min(u64::MAX - start);
        if held > 0 {
            self.ranges.push(Range { start, len: held, offset });
        }
    }

    /// `MINIDUMP_MEMORY_LIST`: a 32-bit count, then descriptors of 16 bytes (start, 32-bit size, 32-bit file offset).
    pub fn memory_list(&mut self, stream: &[u8], file_len: u64) {
        let count = u64::from(u32_at(stream, 0).unwrap_or(0));
        let mut held = 0;
        for i in 0..count {
            let at = 4 + 16 * i as usize;
            let (Some(start), Some(len), Some(offset)) =
                (u64_at(stream, at), u32_at(stream, at + 8), u32_at(stream, at + 12))
            else {
                break;
            };
            held += 1;
            self.add(start, u64::from(len), u64::from(offset), file_len);
        }
        self.shortfall.missing_descriptors += count - held;
    }

    /// `MINIDUMP_MEMORY64_LIST`: a 64-bit count, the file offset of the first range's bytes, then descriptors of 16
    /// bytes (start, size); the ranges' bytes follow one another from that offset.
    pub fn memory64_list(&mut self, stream: &[u8], file_len: u64) {
        let (Some(count), Some(mut offset)) = (u64_at(stream, 0), u64_at(stream, 8)) else { return };
        let mut held = 0;
        for i in 0..count {
            let Some(at) = usize::try_from(i).ok().and_then(|i| i.checked_mul(16)?.checked_add(16)) else { break };
            let (Some(start), Some(len)) = (u64_at(stream, at), u64_at(stream, at + 8)) else { break };
            held += 1;
            self.add(start, len, offset, file_len);
            offset = offset.saturating_add(len);
        }
        self.shortfall.missing_descriptors += count - held;
    }

    /// The ranges sorted and made disjoint: where two overlap (a thread's stack listed with the thread and in the
    /// memory list), the one that starts first keeps the bytes they share.
    pub fn build(mut self) -> (Memory, Shortfall) {
        self.ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.len)));
        let mut ranges: Vec<Range> = Vec::with_capacity(self.ranges.len());
        for mut r in self.ranges {
            if let Some(last) = ranges.last() {
                let covered = last.end().saturating_sub(r.start);
                if covered >= r.len {
                    continue;
                }
                r.start += covered;
                r.offset += covered;
                r.len -= covered;
            }
            ranges.push(r);
        }
        (Memory { ranges }, self.shortfall)
    }
}

impl Memory {
    /// The range that holds `address`.
    fn at(&self, address: u64) -> Option<&Range> {
        let i = self.ranges.partition_point(|r| r.start <= address).checked_sub(1)?;
        self.ranges.get(i).filter(|r| address < r.end())
    }

    /// Copy into `buf` what the dump holds from `address` on, across ranges that touch; returns how many bytes,
    /// 0 when the dump does not hold `address`.
    pub fn read(&self, file: &[u8], address: u64, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let Some(at) = address.checked_add(done as u64) else { break };
            let Some(range) = self.at(at) else { break };
            let into = at - range.start;
            let want = (range.len - into).min((buf.len() - done) as u64) as usize;
            let Some(from) = range.offset.checked_add(into).and_then(|o| usize::try_from(o).ok()) else { break };
            let Some(bytes) = file.get(from..from.saturating_add(want)) else { break };
            if bytes.len() != want {
                break;
            }
            buf[done..done + want].copy_from_slice(bytes);
            done += want;
        }
        done
    }

    /// Each range as (start, end), in address order.
    pub fn spans(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().map(|r| (r.start, r.end()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_run_across_touching_ranges_and_stop_at_a_gap() {
        let file: Vec<u8> = (0..=255).collect();
        let mut b = Builder::default();
        b.add(0x1000, 0x10, 0x20, 256);
        b.add(0x1010, 0x10, 0x80, 256);
        b.add(0x2000, 0x10, 0x00, 256);
        let (memory, shortfall) = b.build();
        assert_eq!(shortfall, Shortfall::default());
        let mut buf = [0u8; 0x40];
        assert_eq!(memory.read(&file, 0x100c, &mut buf), 0x14);
        assert_eq!(&buf[..6], &[0x2c, 0x2d, 0x2e, 0x2f, 0x80, 0x81]);
        assert_eq!(memory.read(&file, 0x1020, &mut buf), 0);
        assert_eq!(memory.read(&file, 0x0fff, &mut buf), 0);
        assert_eq!(memory.read(&file, 0x200f, &mut buf), 1);
    }

    #[test]
    fn ranges_past_the_end_of_the_file_keep_what_it_holds() {
        let mut b = Builder::default();
        b.add(0x1000, 0x100, 0xf0, 0x100);
        b.add(0x5000, 0x100, 0x200, 0x100);
        b.add(u64::MAX - 4, 0x10, 0, 0x100);
        let (memory, shortfall) = b.build();
        assert_eq!(memory.spans().collect::<Vec<_>>(), [(0x1000, 0x1010), (u64::MAX - 4, u64::MAX)]);
        assert_eq!(shortfall.missing_bytes, 0xf0 + 0x100);
    }

    #[test]
    fn overlapping_ranges_become_disjoint() {
        let file = vec![7u8; 0x100];
        let mut b = Builder::default();
        b.add(0x1000, 0x40, 0, 0x100);
        b.add(0x1010, 0x10, 0x80, 0x100);
        b.add(0x1020, 0x40, 0x40, 0x100);
        let (memory, _) = b.build();
        assert_eq!(memory.spans().collect::<Vec<_>>(), [(0x1000, 0x1040), (0x1040, 0x1060)]);
        let mut buf = [0u8; 0x60];
        assert_eq!(memory.read(&file, 0x1000, &mut buf), 0x60);
    }

    #[test]
    fn lists_with_fewer_descriptors_than_counted_keep_those_they_hold() {
        let mut stream = 3u32.to_le_bytes().to_vec();
        stream.extend(0x1000u64.to_le_bytes());
        stream.extend(8u32.to_le_bytes());
        stream.extend(0u32.to_le_bytes());
        let mut b = Builder::default();
        b.memory_list(&stream, 0x100);
        let mut stream64 = 2u64.to_le_bytes().to_vec();
        stream64.extend(0x10u64.to_le_bytes());
        stream64.extend(0x3000u64.to_le_bytes());
        stream64.extend(8u64.to_le_bytes());
        b.memory64_list(&stream64, 0x100);
        let (memory, shortfall) = b.build();
        assert_eq!(memory.spans().collect::<Vec<_>>(), [(0x1000, 0x1008), (0x3000, 0x3008)]);
        assert_eq!(shortfall.missing_descriptors, 3);
    }
}
