//! Loading a real EPUB (Standard Ebooks' Sherlock Holmes from ../shared/books) and the spoken
//! text of a whole novel, normalized. Run: `cargo bench --bench load`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let epub = root.join("../shared/books/the-adventures-of-sherlock-holmes.epub");
    let mut group = c.benchmark_group("book");
    group.sample_size(20);
    if epub.is_file() {
        let size = std::fs::metadata(&epub).map(|m| m.len()).unwrap_or(0);
        group.throughput(Throughput::Bytes(size));
        group.bench_function("epub load", |b| b.iter(|| audiobook::load::load(&epub).expect("loads")));
        group.bench_function("epub load+segment", |b| {
            b.iter(|| audiobook::segment::segment(&audiobook::load::load(&epub).expect("loads")))
        });
    } else {
        eprintln!("skipped the EPUB: {} is missing", epub.display());
    }
    // The spoken text of every line of the book (or of a story), as a render makes it.
    let source = if epub.is_file() { epub } else { root.join("stories/the-lighthouse-keepers.txt") };
    let text = audiobook::load::load(&source).expect("loads");
    let script = audiobook::segment::segment(&text);
    let spans: Vec<&str> = script.lines.iter().map(|l| &text.text[l.span.range()]).collect();
    group.throughput(Throughput::Bytes(spans.iter().map(|s| s.len() as u64).sum()));
    group.bench_function("spoken text (normalized)", |b| {
        b.iter(|| spans.iter().map(|s| audiobook::plan::spoken_text(s).len()).sum::<usize>())
    });
    group.bench_function("normalize alone", |b| {
        b.iter(|| spans.iter().map(|s| audiobook::normalize::normalize(s).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
