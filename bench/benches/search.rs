//! `cargo bench -p civiforge-bench`: the search benchmark (see the crate's documentation and
//! docs/benchmarks.md). The same binary also runs the index builds it measures in child
//! processes.

fn main() -> anyhow::Result<()> {
    civiforge_bench::main()
}
