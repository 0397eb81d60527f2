//! The `bangfu` command-line program; everything lives in the library.

fn main() {
    std::process::exit(bangfu::cli::main());
}
