use proc_macro::TokenStream;

mod collect;

#[proc_macro_derive(Helper)]
pub fn helper(_input: TokenStream) -> TokenStream {
    collect::run();
    TokenStream::new()
}
