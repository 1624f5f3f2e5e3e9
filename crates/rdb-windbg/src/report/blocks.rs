//! `!peb` and `!teb` in WinDbg's x64 shapes. Addresses here are 16 plain hex digits, as WinDbg prints them in
//! these two commands (no backtick); a part of a block that could not be read is one line saying so.

use rdb_engine::windows_blocks::{Cut, ListHead, Peb, Teb};

use super::date::date_time;

/// A 64-bit value as 16 plain hex digits.
fn hex64(value: u64) -> String {
    format!("{value:016x}")
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// A string field: quoted, or WinDbg's words for one it cannot read.
fn quoted(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("'{s}'"),
        None => "'< Name not readable >'".to_string(),
    }
}

/// The line that ends a list cut short; `what` names its elements.
fn cut_line(cut: Cut, what: &str) -> String {
    let text = match cut {
        Cut::Unreadable(a) => format!("(unreadable at {})", hex64(a)),
        Cut::Loop(a) => format!("(the list loops back to {} without returning to its head)", hex64(a)),
        Cut::Limit(n) => format!("(stopped after {n} {what})"),
    };
    format!("        {text}")
}

/// `!peb`.
pub fn peb_lines(p: &Peb) -> Vec<String> {
    let field = |label: &str, value: String| format!("    {label:<26}{value}");
    let mut lines = vec![
        format!("PEB at {}", hex64(p.address)),
        field("InheritedAddressSpace:", yes_no(p.inherited_address_space).into()),
        field("ReadImageFileExecOptions:", yes_no(p.read_image_file_exec_options).into()),
        field("BeingDebugged:", yes_no(p.being_debugged).into()),
        field("ImageBaseAddress:", hex64(p.image_base)),
        field("NtGlobalFlag:", format!("{:x}", p.nt_global_flag)),
        field("NtGlobalFlag2:", format!("{:x}", p.nt_global_flag2)),
        field("Ldr", hex64(p.ldr)),
    ];
    match &p.loader {
        Some(l) => {
            let list = |label: &str, h: ListHead| format!("    {label:<37}{} . {}", hex64(h.flink), hex64(h.blink));
            lines.push(field("Ldr.Initialized:", yes_no(l.initialized).into()));
            lines.push(list("Ldr.InInitializationOrderModuleList:", l.in_initialization_order));
            lines.push(list("Ldr.InLoadOrderModuleList:", l.in_load_order));
            lines.push(list("Ldr.InMemoryOrderModuleList:", l.in_memory_order));
            lines.push(format!("        {:>16} TimeStamp                     Module", "Base"));
            for m in &l.modules {
                let name = m.full_name.as_deref().unwrap_or("< Name not readable >");
                let stamp = m.time_date_stamp;
                lines.push(format!("        {:>16x} {stamp:08x} {} {name}", m.base, date_time(u64::from(stamp))));
            }
            lines.extend(l.cut.map(|c| cut_line(c, "modules")));
        }
        None => lines.push(format!("    *** unable to read Ldr table at {}", hex64(p.ldr))),
    }
    let field = |label: &str, value: String| format!("    {label:<19}{value}");
    lines.push(field("SubSystemData:", hex64(p.sub_system_data)));
    lines.push(field("ProcessHeap:", hex64(p.process_heap)));
    lines.push(field("ProcessParameters:", hex64(p.process_parameters)));
    let Some(params) = &p.parameters else {
        lines.push(format!("    *** unable to read process parameters at {}", hex64(p.process_parameters)));
        return lines;
    };
    lines.push(field("CurrentDirectory:", quoted(&params.current_directory)));
    let field = |label: &str, value: String| format!("    {label:<14}{value}");
    lines.push(field("WindowTitle:", quoted(&params.window_title)));
    lines.push(field("ImageFile:", quoted(&params.image_path_name)));
    lines.push(field("CommandLine:", quoted(&params.command_line)));
    lines.push(field("DllPath:", quoted(&params.dll_path)));
    lines.push(field("Environment:", hex64(params.environment)));
    lines.extend(params.environment_strings.iter().map(|s| format!("        {s}")));
    lines.extend(params.environment_cut.map(|c| cut_line(c, "strings")));
    lines
}

/// `!teb`.
pub fn teb_lines(t: &Teb) -> Vec<String> {
    let field = |label: &str, value: String| format!("    {label:<22}{value}");
    vec![
        format!("TEB at {}", hex64(t.address)),
        field("ExceptionList:", hex64(t.exception_list)),
        field("StackBase:", hex64(t.stack_base)),
        field("StackLimit:", hex64(t.stack_limit)),
        field("SubSystemTib:", hex64(t.sub_system_tib)),
        field("FiberData:", hex64(t.fiber_data)),
        field("ArbitraryUserPointer:", hex64(t.arbitrary_user_pointer)),
        field("Self:", hex64(t.self_pointer)),
        field("EnvironmentPointer:", hex64(t.environment_pointer)),
        field("ClientId:", format!("{} . {}", hex64(t.client_process), hex64(t.client_thread))),
        field("RpcHandle:", hex64(t.rpc_handle)),
        field("Tls Storage:", hex64(t.tls_storage)),
        field("PEB Address:", hex64(t.peb)),
        field("LastErrorValue:", t.last_error.to_string()),
        field("LastStatusValue:", format!("{:x}", t.last_status)),
        field("Count Owned Locks:", t.owned_locks.to_string()),
        field("HardErrorMode:", t.hard_error_mode.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::windows_blocks::fixture;
    use rdb_engine::windows_blocks::{read_peb, read_teb};

    #[test]
    fn peb_reads_as_windbg_prints_it() {
        let mut m = fixture::process(0x1a4, 0x1b0);
        let lines = peb_lines(&read_peb(&mut m, fixture::PEB).unwrap());
        let want = [
            "PEB at 000000000021d000",
            "    InheritedAddressSpace:    No",
            "    ReadImageFileExecOptions: No",
            "    BeingDebugged:            Yes",
            "    ImageBaseAddress:         0000000140000000",
            "    NtGlobalFlag:             70",
            "    NtGlobalFlag2:            0",
            "    Ldr                       00007ffb1c2a4380",
            "    Ldr.Initialized:          Yes",
            "    Ldr.InInitializationOrderModuleList: 0000000000252cb0 . 0000000000253c60",
            "    Ldr.InLoadOrderModuleList:           0000000000252b90 . 0000000000253c40",
            "    Ldr.InMemoryOrderModuleList:         0000000000252ba0 . 0000000000253c50",
            "                    Base TimeStamp                     Module",
            "               140000000 5f2a1b3c Aug 05 02:36:44 2020 C:\\x\\wevents.exe",
            "            7ffb1c100000 6349a4f2 Oct 14 18:05:38 2022 C:\\windows\\system32\\ntdll.dll",
            "            7ffb1b000000 38b369c4 Feb 23 05:01:56 2000 C:\\windows\\system32\\kernel32.dll",
            "    SubSystemData:     0000000000000000",
            "    ProcessHeap:       0000000000250000",
            "    ProcessParameters: 0000000000252000",
            "    CurrentDirectory:  'C:\\x\\'",
            "    WindowTitle:  'C:\\x\\wevents.exe'",
            "    ImageFile:    'C:\\x\\wevents.exe'",
            "    CommandLine:  '\"C:\\x\\wevents.exe\" a b'",
            "    DllPath:      '< Name not readable >'",
            "    Environment:  0000000000254000",
            "        =C:=C:\\x",
            "        PATH=C:\\windows",
        ];
        assert_eq!(lines, want);
    }

    #[test]
    fn cut_lists_and_missing_blocks_are_one_line_each() {
        let mut m = fixture::process(1, 1);
        m.u64(fixture::ENTRIES[1], 0xdead_0000);
        m.unmap(fixture::ENVIRONMENT + 0x10, 2);
        let lines = peb_lines(&read_peb(&mut m, fixture::PEB).unwrap());
        assert!(lines.contains(&"        (unreadable at 00000000dead0000)".to_string()), "{lines:#?}");
        assert!(lines.contains(&"        (unreadable at 0000000000254010)".to_string()), "{lines:#?}");
        assert_eq!(lines.iter().filter(|l| l.contains("C:\\windows\\system32\\")).count(), 1, "{lines:#?}");

        let mut m = fixture::process(1, 1);
        m.u64(fixture::ENTRIES[2], fixture::ENTRIES[0]);
        let lines = peb_lines(&read_peb(&mut m, fixture::PEB).unwrap());
        let note = "        (the list loops back to 0000000000252b90 without returning to its head)";
        assert!(lines.contains(&note.to_string()), "{lines:#?}");

        let mut m = fixture::process(1, 1);
        m.u64(fixture::PEB + 0x18, 0);
        m.u64(fixture::PEB + 0x20, 0);
        let lines = peb_lines(&read_peb(&mut m, fixture::PEB).unwrap());
        assert!(lines.contains(&"    *** unable to read Ldr table at 0000000000000000".to_string()), "{lines:#?}");
        assert_eq!(lines.last().unwrap(), "    *** unable to read process parameters at 0000000000000000");
    }

    #[test]
    fn a_cleared_being_debugged_byte_reads_no() {
        let mut m = fixture::process(100, 100);
        m.put(fixture::PEB + 2, &[0]);
        let lines = peb_lines(&read_peb(&mut m, fixture::PEB).unwrap());
        assert!(lines.contains(&"    BeingDebugged:            No".to_string()), "{lines:#?}");
        let lines = teb_lines(&read_teb(&mut m, fixture::TEB).unwrap());
        assert_eq!(lines[9], "    ClientId:             0000000000000064 . 0000000000000064");
    }

    #[test]
    fn teb_reads_as_windbg_prints_it() {
        let mut m = fixture::process(0x1a4, 0x1b0);
        let lines = teb_lines(&read_teb(&mut m, fixture::TEB).unwrap());
        let want = [
            "TEB at 000000000021f000",
            "    ExceptionList:        0000000000000000",
            "    StackBase:            0000000000150000",
            "    StackLimit:           000000000014c000",
            "    SubSystemTib:         0000000000000000",
            "    FiberData:            0000000000001e00",
            "    ArbitraryUserPointer: 0000000000000000",
            "    Self:                 000000000021f000",
            "    EnvironmentPointer:   0000000000000000",
            "    ClientId:             00000000000001a4 . 00000000000001b0",
            "    RpcHandle:            0000000000000000",
            "    Tls Storage:          0000000000253530",
            "    PEB Address:          000000000021d000",
            "    LastErrorValue:       187",
            "    LastStatusValue:      c0000034",
            "    Count Owned Locks:    0",
            "    HardErrorMode:        0",
        ];
        assert_eq!(lines, want);
    }
}
