// rust_values: every Rust value rdb shows as Rust shows it (issue 16). Each value is printed with `{:?}` first
// (the tests' oracle, one `name=...` line each), then `stop` is called with all of them alive; the tests break at
// the stop marker in `main`. rust_values_o1.rs builds this same source at opt-level=1.
// rdb-build: -C opt-level=0

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::{Rc, Weak};
use std::sync::Arc;

#[derive(Debug)]
pub enum Shape {
    Circle { radius: f64 },
    Rect(u32, u32),
    Unit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Color {
    Red,
    Green = 5,
    Blue,
}

// A niche with two dataless variants: `bool`'s values 2 and 3 stand for Low and High.
#[derive(Debug)]
pub enum Level {
    Flag(bool),
    Low,
    High,
}

#[derive(Debug)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[derive(Debug)]
pub struct Tagged<'a> {
    pub name: &'a str,
    pub at: Point,
}

#[inline(never)]
fn stop<T>(all: &T) -> usize {
    std::hint::black_box(all) as *const T as usize
}

fn main() {
    let point = Point { x: 3, y: -4 };
    let point_ref = &point;
    let tagged = Tagged { name: "origin", at: Point { x: 0, y: 0 } };
    let tuple: (i32, f64) = (1, 2.5);
    let unit = ();
    let letter = 'a';
    let accented = 'é';
    let yes = true;
    let big_unsigned: u128 = 340282366920938463463374607431768211455;
    let big_signed: i128 = -170141183460469231731687303715884105728;
    let some_int: Option<i32> = Some(7);
    let no_int: Option<i32> = None;
    let some_ref: Option<&Point> = Some(&point);
    let no_ref: Option<&Point> = None;
    let some_box: Option<Box<i32>> = Some(Box::new(9));
    let held_box: Option<Box<Point>> = Some(Box::new(Point { x: 5, y: 6 }));
    let held_rc: Option<std::rc::Rc<Point>> = Some(std::rc::Rc::new(Point { x: 7, y: 8 }));
    let ok: Result<i32, String> = Ok(42);
    let err: Result<i32, String> = Err(String::from("BAD"));
    let circle = Shape::Circle { radius: 2.5 };
    let rect = Shape::Rect(3, 4);
    let unit_shape = Shape::Unit;
    let color = Color::Green;
    let level = Level::High;
    let flag = Level::Flag(true);
    let nested_none: Option<Option<bool>> = Some(None);
    let no_level: Option<Level> = None;
    let shapes = [Shape::Circle { radius: 1.0 }, Shape::Rect(5, 6), Shape::Unit];
    let text = String::from("hello, world");
    let slice_text: &str = &text[7..];
    let numbers: Vec<i32> = vec![10, 20, 30];
    let big: Vec<u32> = (0..10_000).map(|i| i * 3).collect();
    let mut ring: VecDeque<i32> = VecDeque::with_capacity(4);
    ring.extend([1, 2, 3]);
    ring.pop_front();
    ring.pop_front();
    ring.extend([4, 5, 6]);
    let array: [i32; 4] = [1, 2, 3, 4];
    let slice: &[i32] = &array[1..];
    let boxed: Box<Point> = Box::new(Point { x: 8, y: 9 });
    let rc: Rc<String> = Rc::new(String::from("shared"));
    let rc2 = Rc::clone(&rc);
    let weak: Weak<String> = Rc::downgrade(&rc);
    let arc: Arc<i32> = Arc::new(77);
    let arc2 = Arc::clone(&arc);
    let arc3 = Arc::clone(&arc);
    let cell = Cell::new(5);
    let refcell = RefCell::new(vec![1, 2]);
    let borrowed = refcell.borrow();
    let mut map: HashMap<String, i32> = HashMap::new();
    map.insert("one".into(), 1);
    map.insert("two".into(), 2);
    map.insert("three".into(), 3);
    let set: HashSet<i32> = [5, 6, 7].into_iter().collect();
    let tree: BTreeMap<i32, i32> = (0..100).map(|i| (i, i * i)).collect();
    let tree_set: BTreeSet<u8> = [3, 1, 2].into_iter().collect();
    let empty_vec: Vec<i32> = Vec::new();
    let empty_map: HashMap<i32, i32> = HashMap::new();
    let empty_tree: BTreeMap<i32, i32> = BTreeMap::new();
    let empty_ring: VecDeque<i32> = VecDeque::new();
    let dangling: Weak<i32> = Weak::new();

    println!("point={:?}", point);
    println!("point_ref={:?}", point_ref);
    println!("tagged={:?}", tagged);
    println!("tuple={:?}", tuple);
    println!("unit={:?}", unit);
    println!("letter={:?}", letter);
    println!("accented={:?}", accented);
    println!("yes={:?}", yes);
    println!("big_unsigned={:?}", big_unsigned);
    println!("big_signed={:?}", big_signed);
    println!("some_int={:?}", some_int);
    println!("no_int={:?}", no_int);
    println!("some_ref={:?}", some_ref);
    println!("no_ref={:?}", no_ref);
    println!("some_box={:?}", some_box);
    println!("held_box={:?}", held_box);
    println!("held_rc={:?}", held_rc);
    println!("ok={:?}", ok);
    println!("err={:?}", err);
    println!("circle={:?}", circle);
    println!("rect={:?}", rect);
    println!("unit_shape={:?}", unit_shape);
    println!("color={:?}", color);
    println!("level={:?}", level);
    println!("flag={:?}", flag);
    println!("nested_none={:?}", nested_none);
    println!("no_level={:?}", no_level);
    println!("shapes={:?}", shapes);
    println!("text={:?}", text);
    println!("slice_text={:?}", slice_text);
    println!("numbers={:?}", numbers);
    println!("big_len={}", big.len());
    println!("big_5000={}", big[5000]);
    println!("ring={:?}", ring);
    println!("array={:?}", array);
    println!("slice={:?}", slice);
    println!("boxed={:?}", boxed);
    println!("rc={:?} strong={} weak={}", rc, Rc::strong_count(&rc), Rc::weak_count(&rc));
    println!("arc={:?} strong={} weak={}", arc, Arc::strong_count(&arc), Arc::weak_count(&arc));
    println!("cell={:?}", cell);
    println!("refcell={:?}", refcell);
    println!("map_len={}", map.len());
    println!("set_len={}", set.len());
    println!("tree_len={} tree_50={}", tree.len(), tree[&50]);
    println!("tree_set={:?}", tree_set);
    println!("empty_vec={:?}", empty_vec);
    println!("empty_map={:?}", empty_map);
    println!("empty_tree={:?}", empty_tree);
    println!("empty_ring={:?}", empty_ring);
    println!("dangling={:?}", dangling);

    let all = (
        (&point, point_ref, &tagged, &tuple, &unit, &letter, &accented, &yes, &big_unsigned, &big_signed),
        (&some_int, &no_int, &some_ref, &no_ref, &some_box, &ok, &err, &circle, &rect, &unit_shape, &color, &shapes),
        (&text, &slice_text, &numbers, &big, &ring, &array, &slice, &boxed, &rc, &rc2, &weak, &arc, &arc2, &arc3),
        (&cell, &refcell, &borrowed, &map, &set, &tree, &tree_set),
        (&empty_vec, &empty_map, &empty_tree, &empty_ring, &dangling),
        (&level, &flag, &nested_none, &no_level, &held_box, &held_rc),
    );
    let r = stop(&all); // @stop here
    std::process::exit((r & 1) as i32 * 0);
}
