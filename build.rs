// The suites are embedded with include_dir!, which does not notice new
// files; rebuild whenever anything under suites/ changes.
fn main() {
    println!("cargo:rerun-if-changed=suites");
}
