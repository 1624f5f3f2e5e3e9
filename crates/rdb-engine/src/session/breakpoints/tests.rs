//! The table alone: ids, sites, owners, pass counts.

use super::*;

fn spec(owner: Owner, name: &str) -> Spec {
    Spec::new(owner, Kind::Software, Location::Expr(name.into()))
}

fn at(addresses: &[u64]) -> Vec<Site> {
    addresses.iter().map(|a| Site::new(*a)).collect()
}

/// One int3 hit at `address`: the breakpoints that stop.
fn hit(t: &mut Breakpoints, address: u64) -> Vec<u32> {
    t.enabled_at(address).into_iter().filter(|id| t.pass(*id, address)).collect()
}

#[test]
fn ids_are_reused_lowest_first_whoever_owns_them() {
    let mut t = Breakpoints::default();
    let a = t.insert(spec(Owner::Console, "a"), at(&[1]));
    let b = t.insert(spec(Owner::Dap, "b"), at(&[2]));
    assert_eq!((a, b), (0, 1));
    assert!(t.remove(0).is_some());
    assert_eq!(t.insert(spec(Owner::Console, "c"), at(&[3])), 0);
    assert_eq!(t.owned_by(Owner::Dap).map(|b| b.id).collect::<Vec<_>>(), [1]);
}

#[test]
fn a_removed_breakpoint_restored_keeps_its_id_and_place() {
    let mut t = Breakpoints::default();
    t.insert(spec(Owner::Console, "a"), at(&[1]));
    t.insert(spec(Owner::Console, "b"), at(&[2]));
    let removed = t.remove(0).unwrap();
    t.restore(removed.clone());
    assert_eq!(t.ids(), [0, 1]);
    assert_eq!(t.get(0), Some(&removed));
}

#[test]
fn pass_count_stops_on_the_nth_pass_then_every_time() {
    let mut t = Breakpoints::default();
    t.insert(Spec { passes: 3, ..spec(Owner::Console, "x") }, at(&[0x10]));
    assert!(hit(&mut t, 0x10).is_empty());
    assert!(hit(&mut t, 0x10).is_empty());
    assert_eq!(hit(&mut t, 0x10), vec![0]);
    assert_eq!(hit(&mut t, 0x10), vec![0]);
    assert_eq!(t.get(0).unwrap().hits, 4);
}

#[test]
fn a_pass_count_is_shared_by_the_sites_and_each_site_counts_its_hits() {
    let mut t = Breakpoints::default();
    t.insert(Spec { passes: 2, ..spec(Owner::Console, "inlined") }, at(&[0x10, 0x20]));
    assert!(hit(&mut t, 0x10).is_empty());
    assert_eq!(hit(&mut t, 0x20), vec![0], "the second pass, at the other site");
    let b = t.get(0).unwrap();
    assert_eq!((b.hits, b.last_hit), (2, Some(0x20)));
    assert_eq!(b.sites.iter().map(|s| s.hits).collect::<Vec<_>>(), [1, 1]);
}

#[test]
fn a_hit_regardless_counts_without_a_pass() {
    let mut t = Breakpoints::default();
    t.insert(Spec { passes: 2, ..spec(Owner::Console, "x") }, at(&[0x10]));
    t.hit_regardless(0, 0x10);
    let b = t.get(0).unwrap();
    assert_eq!((b.hits, b.remaining, b.sites[0].hits, b.last_hit), (1, 2, 1, Some(0x10)));
}

#[test]
fn disabled_breakpoints_are_not_wanted_nor_hit() {
    let mut t = Breakpoints::default();
    t.insert(spec(Owner::Console, "x"), at(&[0x10]));
    t.set_enabled(0, false);
    assert!(t.wanted().is_empty());
    assert!(hit(&mut t, 0x10).is_empty());
}

#[test]
fn sites_are_enabled_one_by_one() {
    let mut t = Breakpoints::default();
    t.insert(spec(Owner::Console, "inlined"), at(&[0x10, 0x20, 0x30]));
    assert!(t.set_site_enabled(0, 0x20, false));
    assert!(!t.set_site_enabled(0, 0x40, false), "no site there");
    assert_eq!(t.wanted(), BTreeSet::from([0x10, 0x30]));
    assert!(t.enabled_at(0x20).is_empty());
    assert_eq!(t.enabled_at(0x30), [0]);
    // Disabling the breakpoint takes every site out; enabling it brings back only those enabled on their own.
    t.set_enabled(0, false);
    assert!(t.wanted().is_empty());
    t.set_enabled(0, true);
    assert_eq!(t.wanted(), BTreeSet::from([0x10, 0x30]));
}

#[test]
fn two_owners_at_one_address_share_the_int3_and_both_count_the_hit() {
    let mut t = Breakpoints::default();
    t.insert(spec(Owner::Console, "f"), at(&[0x10]));
    t.insert(spec(Owner::GdbRemote, "f"), at(&[0x10]));
    assert_eq!(t.wanted(), BTreeSet::from([0x10]));
    assert_eq!(hit(&mut t, 0x10), [0, 1]);
}

#[test]
fn only_armed_sites_of_hardware_breakpoints_want_a_register() {
    let mut t = Breakpoints::default();
    let kind = Kind::Hardware { access: HwAccess::Write, size: 4 };
    t.insert(Spec::new(Owner::Console, kind, Location::Expr("x".into())), at(&[0x100, 0x200]));
    t.insert(spec(Owner::Console, "code"), at(&[0x300]));
    t.set_site_enabled(0, 0x100, false);
    assert_eq!(t.hardware_sites(), [(0, 0x200)]);
    assert_eq!(t.wanted(), BTreeSet::from([0x300]), "an int3 only for the software breakpoint");
}

#[test]
fn a_memory_breakpoint_covers_its_ranges_at_armed_sites() {
    let mut t = Breakpoints::default();
    let kind = Kind::Memory { access: MemAccess::Any, size: 0x10 };
    t.insert(Spec::new(Owner::Console, kind, Location::Expr("x".into())), at(&[0x100, 0x200]));
    let b = t.get(0).unwrap();
    assert_eq!(b.covering(0x20f).map(|s| s.address), Some(0x200));
    assert_eq!(b.covering(0x110), None);
    t.set_site_enabled(0, 0x200, false);
    assert_eq!(t.get(0).unwrap().covering(0x20f), None);
}

#[test]
fn an_unloaded_module_takes_its_sites_and_a_breakpoint_left_with_none_waits() {
    let mut t = Breakpoints::default();
    t.insert(spec(Owner::Console, "a"), at(&[0x1010, 0x5010]));
    t.insert(spec(Owner::Console, "b"), at(&[0x1020]));
    t.pass(1, 0x1020);
    t.unresolve_range(0x1000, 0x2000);
    assert_eq!(t.get(0).unwrap().addresses(), [0x5010], "the site in another module stays");
    assert_eq!(t.unresolved(), [1]);
    assert_eq!(t.get(1).unwrap().hits, 1, "counts are kept while it waits");
    t.resolve(1, at(&[0x3020]));
    assert!(t.unresolved().is_empty());
}

#[test]
fn a_restart_unresolves_everything_and_resets_the_counts() {
    let mut t = Breakpoints::default();
    t.insert(Spec { passes: 2, ..spec(Owner::Console, "a") }, at(&[0x10]));
    t.pass(0, 0x10);
    t.unresolve_all();
    let b = t.get(0).unwrap();
    assert_eq!((b.is_resolved(), b.hits, b.remaining, b.last_hit), (false, 0, 2, None));
}

#[test]
fn a_watched_value_becomes_the_previous_one() {
    let mut t = Breakpoints::default();
    let kind = Kind::Hardware { access: HwAccess::Write, size: 4 };
    let site = Site { value: Some(4), ..Site::new(0x100) };
    t.insert(Spec::new(Owner::Console, kind, Location::Expr("x".into())), vec![site]);
    t.watched(0, 0x100, Some(5));
    let s = &t.get(0).unwrap().sites[0];
    assert_eq!((s.previous, s.value), (Some(4), Some(5)));
}

#[test]
fn a_location_word_is_a_source_line_when_backquoted_and_an_expression_otherwise() {
    assert_eq!(Location::parse("demo!main").unwrap(), Location::Expr("demo!main".into()));
    assert_eq!(
        Location::parse("`demo.c:12`").unwrap(),
        Location::Line { module: None, file: "demo.c".into(), line: 12 }
    );
    assert_eq!(
        Location::parse("`demo!src/demo.c: 7`").unwrap(),
        Location::Line { module: Some("demo".into()), file: "src/demo.c".into(), line: 7 }
    );
    assert!(Location::parse("`demo.c`").unwrap_err().to_string().contains("expected `file:line`"));
    assert!(Location::parse("`demo.c:x`").unwrap_err().to_string().contains("bad line number"));
}
