//! The `xdef` binary: the language server (`xdef lsp`) and the command line.
//! Command-line entry points live in [`cli`], one module per command.

mod cli;
mod server;

fn main() -> std::process::ExitCode {
    cli::main()
}
