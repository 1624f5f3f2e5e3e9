//! Disassembly through the session against the fake target: where names start (from symbol data, here the
//! module's base), an end address, the run that ends at an address, and the errors.

use super::*;

#[test]
fn a_name_starts_at_the_module_base() {
    let (mut session, _, _) = started(&[], VecDeque::new());
    // The fake reads nop everywhere it holds nothing; the executable starts at EXE_BASE and has no symbol file.
    let lines = session.disassemble(EXE_BASE - 2, 4, None).unwrap();
    let shape: Vec<(u64, bool, Option<String>)> =
        lines.iter().map(|l| (l.instruction.address, l.starts_symbol, l.place.as_ref().map(Place::name))).collect();
    assert_eq!(
        shape,
        [
            (EXE_BASE - 2, false, None),
            (EXE_BASE - 1, false, None),
            (EXE_BASE, true, Some("demo".into())),
            (EXE_BASE + 1, false, Some("demo+0x1".into())),
        ]
    );
    assert!(lines.iter().all(|l| l.instruction.text == "nop"));
}

#[test]
fn an_end_address_cuts_the_listing_short() {
    let (mut session, _, _) = started(&[(ENTRY, &[0x55, 0x48, 0x89, 0xe5, 0xc3])], VecDeque::new());
    let addresses = |lines: Vec<DisassemblyLine>| lines.iter().map(|l| l.instruction.address).collect::<Vec<_>>();
    assert_eq!(addresses(session.disassemble(ENTRY, 8, Some(ENTRY + 4)).unwrap()), [ENTRY, ENTRY + 1]);
    assert_eq!(addresses(session.disassemble(ENTRY, 8, Some(ENTRY)).unwrap()), []);
    assert_eq!(addresses(session.disassemble(ENTRY, 0, None).unwrap()), []);
    assert_eq!(addresses(session.disassemble(ENTRY, 2, None).unwrap()), [ENTRY, ENTRY + 1]);
    // `ub`: push rbp; mov rbp,rsp end where the ret begins.
    let back = session.instructions_ending_at(ENTRY + 4, 2).unwrap();
    assert_eq!(
        back.iter().map(|l| l.instruction.text.as_str()).collect::<Vec<_>>(),
        ["push    rbp", "mov     rbp,rsp"]
    );
}

#[test]
fn nothing_to_decode_is_an_error() {
    let (mut session, _, _) = started(&[], VecDeque::new());
    // The fake's memory below 0x1000 is unmapped.
    assert_eq!(session.disassemble(0x800, 4, None), Err(Error::MemoryAccess(0x800)));
    let error = session.instructions_ending_at(0x800, 2).unwrap_err();
    assert_eq!(error.to_string(), "no instructions decode to end at 00000000`00000800");
    let error = session.disassemble_function(ENTRY).unwrap_err();
    assert_eq!(error.to_string(), "no function with a known size at 00000000`00401000");
}
