//! Segmentation (and attribution) throughput on the largest annotated novel, or on the stories
//! when ../shared is missing. Run: `cargo bench --bench segment`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;

fn largest_input() -> (String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pdnc = root.join("../shared/eval/pdnc");
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&pdnc)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path().join("novel_text.txt"))).collect())
        .unwrap_or_default();
    candidates.retain(|p| p.is_file());
    if candidates.is_empty() {
        candidates = std::fs::read_dir(root.join("stories"))
            .expect("stories/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
    }
    let largest =
        candidates.into_iter().max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).expect("an input");
    let text = std::fs::read_to_string(&largest).expect("readable UTF-8");
    (largest.display().to_string(), text)
}

fn bench(c: &mut Criterion) {
    let (name, text) = largest_input();
    eprintln!("input: {name} ({} bytes)", text.len());
    let mut group = c.benchmark_group("novel");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("segment", |b| b.iter(|| audiobook::segment::segment_str(&text)));
    group.bench_function("segment+attribute", |b| b.iter(|| audiobook::pipeline::analyse(&text)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
