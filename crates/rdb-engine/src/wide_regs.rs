//! Registers wider than 64 bits, by name: `xmm0`–`xmm15`, `ymm0`–`ymm15` and the x87 stack `st0`–`st7`, as the
//! bytes a thread holds (little-endian), and the x87 80-bit format as a number. What a front end shows them as
//! (floats, integers of a lane size) is its own shape; which bytes a name means is decided here.

/// A wide register by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wide {
    /// 16 bytes.
    Xmm(usize),
    /// 32 bytes: the xmm register, then the upper half AVX adds.
    Ymm(usize),
    /// 10 bytes, the x87 extended format.
    St(usize),
}

impl Wide {
    /// `xmm3`, `YMM15`, `st0`; `None` for any other name.
    pub fn parse(name: &str) -> Option<Wide> {
        let name = name.to_ascii_lowercase();
        let number = |prefix: &str, count: usize| {
            let digits = name.strip_prefix(prefix)?;
            // `xmm01` is not a register name: digits as WinDbg writes them, no leading zero.
            if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return None;
            }
            digits.parse::<usize>().ok().filter(|&n| n < count)
        };
        number("xmm", 16)
            .map(Wide::Xmm)
            .or_else(|| number("ymm", 16).map(Wide::Ymm))
            .or_else(|| number("st", 8).map(Wide::St))
    }

    /// How many bytes it holds.
    pub fn size(self) -> usize {
        match self {
            Wide::Xmm(_) => 16,
            Wide::Ymm(_) => 32,
            Wide::St(_) => 10,
        }
    }
}

/// The x87 80-bit extended value `bytes` as the nearest `f64` (infinities and NaNs kept; what is beyond an
/// `f64`'s range becomes an infinity or zero).
pub fn x87_to_f64(bytes: &[u8; 10]) -> f64 {
    let mantissa = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default());
    let top = u16::from_le_bytes([bytes[8], bytes[9]]);
    let negative = top & 0x8000 != 0;
    let exponent = i32::from(top & 0x7fff);
    let magnitude = if exponent == 0x7fff {
        if mantissa << 1 == 0 { f64::INFINITY } else { f64::NAN }
    } else if mantissa == 0 {
        0.0
    } else {
        // value = (mantissa / 2^63) * 2^(exponent - 16383); denormals have exponent 0 and mean 2^-16382. The power
        // is taken in two halves, so that neither over- nor underflows on the way to a result an f64 holds.
        let e = (if exponent == 0 { -16382 } else { exponent - 16383 }).clamp(-1200, 1200);
        (mantissa as f64) / 2f64.powi(63) * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)
    };
    if negative { -magnitude } else { magnitude }
}

/// `value` in the x87 80-bit extended format (exact: every `f64` is one).
pub fn f64_to_x87(value: f64) -> [u8; 10] {
    let bits = value.to_bits();
    let negative = bits >> 63 != 0;
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (exponent, mantissa): (u16, u64) = match exponent {
        0 if fraction == 0 => (0, 0),
        0 => {
            // A denormal double is a normal extended value: shift its fraction up to the explicit integer bit.
            let shift = fraction.leading_zeros();
            (((-1022 - (shift as i32 - 11)) + 16383) as u16, fraction << shift)
        }
        0x7ff => (0x7fff, (1 << 63) | (fraction << 11)),
        e => ((e - 1023 + 16383) as u16, (1 << 63) | (fraction << 11)),
    };
    let mut out = [0u8; 10];
    out[..8].copy_from_slice(&mantissa.to_le_bytes());
    out[8..].copy_from_slice(&(exponent | if negative { 0x8000 } else { 0 }).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Wide::parse("xmm0"), Some(Wide::Xmm(0)));
        assert_eq!(Wide::parse("YMM15"), Some(Wide::Ymm(15)));
        assert_eq!(Wide::parse("st7"), Some(Wide::St(7)));
        for bad in ["xmm16", "st8", "xmm", "xmm01", "xmm-1", "ymm1x", "st"] {
            assert_eq!(Wide::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn x87_round_trips() {
        for v in [0.0, 1.0, -1.5, 3.25e10, 1e-310, f64::MAX, f64::INFINITY, -2.0] {
            assert_eq!(x87_to_f64(&f64_to_x87(v)), v, "{v}");
        }
        // 1.0 is exponent 0x3fff with the integer bit set.
        assert_eq!(f64_to_x87(1.0), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
        assert!(x87_to_f64(&f64_to_x87(f64::NAN)).is_nan());
    }
}
