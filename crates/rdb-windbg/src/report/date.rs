//! Dates as WinDbg shows a module's time stamp (`!peb`'s module list).

/// A Unix time as WinDbg shows a module's time stamp, `Aug 05 02:36:44 2020`, in UTC (WinDbg uses the local
/// zone; UTC reads the same on every machine).
pub(super) fn date_time(seconds: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = seconds % 86400;
    let (year, month, day) = civil(seconds / 86400);
    format!(
        "{} {day:02} {:02}:{:02}:{:02} {year}",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A Unix time in a file name (`.logopen /t`): `2024-05-06_12-34-56-789`, UTC.
pub fn file_time(seconds: u64, millis: u32) -> String {
    let secs = seconds % 86400;
    let (year, month, day) = civil(seconds / 86400);
    format!("{year:04}-{month:02}-{day:02}_{:02}-{:02}-{:02}-{millis:03}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Year, month (1-12) and day of a count of days since 1970-01-01.
fn civil(days: u64) -> (u64, u64, u64) {
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_windbg_module_time_stamps() {
        assert_eq!(date_time(0), "Jan 01 00:00:00 1970");
        assert_eq!(date_time(0x5f2a_1b3c), "Aug 05 02:36:44 2020");
        assert_eq!(date_time(0x38b3_69c4), "Feb 23 05:01:56 2000");
        assert_eq!(date_time(0xffff_ffff), "Feb 07 06:28:15 2106");
        assert_eq!(date_time(951_782_400), "Feb 29 00:00:00 2000");
    }
}
