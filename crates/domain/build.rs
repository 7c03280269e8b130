//! rust-i18n compiles the locale files in without telling cargo: rebuild
//! when one changes.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
