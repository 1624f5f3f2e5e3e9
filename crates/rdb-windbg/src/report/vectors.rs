//! The wide registers as WinDbg's `r` shows them: `xmm0=0 0 0 1.5` (four floats, the highest lane first),
//! `ymm0=` eight, `r xmm0:uq` as lanes of hex digits, `st0= 1.500000000000000000e+0000`.

use rdb_engine::wide_regs::x87_to_f64;

/// How the lanes of a vector register are shown (`r xmm0:<format>`): `f` floats (the default), `d` doubles,
/// `ub`/`uw`/`ud`/`uq` unsigned hex of 1, 2, 4, 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    Float,
    Double,
    Hex(usize),
}

impl Lanes {
    /// The format a `:suffix` names; `None` for one WinDbg's `r` does not take.
    pub fn parse(suffix: &str) -> Option<Lanes> {
        Some(match suffix.to_ascii_lowercase().as_str() {
            "f" => Lanes::Float,
            "d" => Lanes::Double,
            "ub" => Lanes::Hex(1),
            "uw" => Lanes::Hex(2),
            "ud" => Lanes::Hex(4),
            "uq" => Lanes::Hex(8),
            _ => return None,
        })
    }

    /// Bytes per lane.
    pub fn size(self) -> usize {
        match self {
            Lanes::Float => 4,
            Lanes::Double => 8,
            Lanes::Hex(n) => n,
        }
    }
}

/// A floating-point number as WinDbg (C's `%g`) prints it: six significant digits, trailing zeros dropped, an
/// exponent of three digits where the number is very small or large (`1.4013e-045`).
pub fn float_g(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let scientific = format!("{v:.5e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
    };
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:03}", trim(mantissa), exponent.abs())
    } else {
        trim(&format!("{v:.*}", (5 - exponent) as usize))
    }
}

/// `name=<lanes>`, the highest lane first.
pub fn vector_line(name: &str, bytes: &[u8], lanes: Lanes) -> String {
    let cells: Vec<String> = bytes
        .chunks(lanes.size())
        .rev()
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            let v = u64::from_le_bytes(b);
            match lanes {
                Lanes::Float => float_g(f64::from(f32::from_bits(v as u32))),
                Lanes::Double => float_g(f64::from_bits(v)),
                Lanes::Hex(n) => format!("{v:0w$x}", w = 2 * n),
            }
        })
        .collect();
    format!("{}={}", name.to_ascii_lowercase(), cells.join(" "))
}

/// `st0= 1.500000000000000000e+0000`: the x87 value with its sign (or a blank) and a four-digit exponent.
pub fn x87_line(name: &str, bytes: &[u8; 10]) -> String {
    let v = x87_to_f64(bytes);
    let text = if v.is_finite() {
        let s = format!("{:.18e}", v.abs());
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:04}", exponent.abs())
    } else {
        float_g(v.abs())
    };
    format!("{}={}{text}", name.to_ascii_lowercase(), if v.is_sign_negative() { '-' } else { ' ' })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::wide_regs::f64_to_x87;

    #[test]
    fn floats_print_as_percent_g() {
        assert_eq!(float_g(1.5), "1.5");
        assert_eq!(float_g(100.0), "100");
        assert_eq!(float_g(1234567.0), "1.23457e+006");
        assert_eq!(float_g(f64::from(f32::from_bits(1))), "1.4013e-045");
        assert_eq!(float_g(0.0001), "0.0001");
        assert_eq!(float_g(-2.25), "-2.25");
        assert_eq!(float_g(0.0), "0");
    }

    #[test]
    fn lanes_highest_first() {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&1.5f32.to_le_bytes());
        bytes[12..].copy_from_slice(&(-2.0f32).to_le_bytes());
        assert_eq!(vector_line("XMM0", &bytes, Lanes::Float), "xmm0=-2 0 0 1.5");
        assert_eq!(vector_line("xmm0", &bytes, Lanes::Hex(8)), "xmm0=c000000000000000 000000003fc00000");
        assert_eq!(Lanes::parse("UQ"), Some(Lanes::Hex(8)));
        assert_eq!(Lanes::parse("x"), None);
    }

    #[test]
    fn x87_shape() {
        assert_eq!(x87_line("st0", &f64_to_x87(1.5)), "st0= 1.500000000000000000e+0000");
        assert_eq!(x87_line("st1", &f64_to_x87(-0.25)), "st1=-2.500000000000000000e-0001");
    }
}
