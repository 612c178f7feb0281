use proc_macro::TokenStream;

#[proc_macro_derive(Named)]
pub fn named(input: TokenStream) -> TokenStream {
    let text = input.to_string();
    let name = text.split_whitespace().skip_while(|w| *w != "struct").nth(1).unwrap_or("X");
    format!("impl {name} {{ pub const NAME: &'static str = \"{name}\"; }}").parse().unwrap_or_default()
}
