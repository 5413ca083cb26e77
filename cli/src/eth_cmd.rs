//! `keel deploy` and `keel submit`: keel's contracts on an Ethereum node, through alloy.
//!
//! `deploy` creates the generated verifier (`keel verifier`'s `Halo2Verifier.bin`), the
//! `KeelHalo2Verifier` adapter for it, a `KeelVerifierRouter` owned by the sender with a route
//! for the circuit's selector, and optionally an example consumer pointing at the router. The
//! adapter's, router's and consumer's creation code comes from forge's build output
//! (`contracts/out`, `forge build`). `submit` sends one proof (a `keel fixture` file) to a
//! router or verifier (`verify`) or to the example consumer (`record`) and reports the receipt.

use std::path::{Path, PathBuf};

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolValue};
use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::wrap_cmd::{Fixture, VerifierReport};

alloy::sol! {
    interface IKeelVerifierRouter {
        function addRoute(bytes4 selector, address verifier) external;
        function verify(bytes32 programId, bytes publicValues, bytes proof) external view;
    }
    interface IFibonacciRecorder {
        function record(bytes publicValues, bytes proof) external returns (uint32 n, uint32 fibN);
    }
}

/// anvil's first development account (its key is public: dev chains only).
const ANVIL_DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's chain id.
const ANVIL_CHAIN_ID: u64 = 31337;

/// Where to send transactions and who signs them.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// The node's JSON-RPC endpoint.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
    /// The sender's private key (hex). Also read from KEEL_PRIVATE_KEY. Without one, on a chain
    /// with anvil's id (31337) keel signs with anvil's first development account.
    #[arg(
        long,
        value_name = "HEX",
        env = "KEEL_PRIVATE_KEY",
        hide_env_values = true
    )]
    private_key: Option<String>,
}

/// `keel deploy`.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// The directory `keel verifier` wrote (Halo2Verifier.bin, verifier.json).
    #[arg(long, value_name = "DIR")]
    verifier: PathBuf,
    /// forge's build output, for the adapter, router and consumer creation code.
    #[arg(long, value_name = "DIR", default_value = "contracts/out")]
    artifacts: PathBuf,
    /// Gas cap of one call to the generated verifier (a rejected proof costs at most this).
    #[arg(long, value_name = "GAS", default_value_t = 5_000_000)]
    verify_gas_limit: u64,
    /// Also deploy the example consumer FibonacciRecorder for this program id, pointing at the
    /// router.
    #[arg(long, value_name = "PROGRAM_ID")]
    fibonacci_recorder: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// `keel submit`.
#[derive(clap::Args, Debug)]
pub struct SubmitArgs {
    /// The proof (`keel fixture`'s JSON).
    fixture: PathBuf,
    #[command(flatten)]
    node: NodeArgs,
    /// The contract: a router or verifier (`--call verify`) or a FibonacciRecorder
    /// (`--call record`).
    #[arg(long, value_name = "ADDRESS")]
    to: String,
    /// Which function the transaction calls.
    #[arg(long, value_enum, default_value_t = Call::Verify)]
    call: Call,
    /// The transaction's gas limit. Without it the node estimates the gas, and a proof that
    /// would revert is reported without sending anything.
    #[arg(long, value_name = "GAS")]
    gas_limit: Option<u64>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The function `keel submit` calls.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `verify(programId, publicValues, proof)` (router or verifier).
    Verify,
    /// `record(publicValues, proof)` (FibonacciRecorder).
    Record,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// EIP-170's limit on a contract's runtime code, in bytes.
const EIP170_LIMIT: usize = 24_576;

/// A provider signing with `node`'s key, the key's address and the chain id.
async fn connect(node: &NodeArgs) -> Result<(impl Provider, Address, u64)> {
    let url: alloy::transports::http::reqwest::Url = node
        .rpc_url
        .parse()
        .with_context(|| format!("--rpc-url {:?} is not a URL", node.rpc_url))?;
    let chain = ProviderBuilder::new()
        .connect_http(url.clone())
        .get_chain_id()
        .await
        .with_context(|| format!("asking {} for its chain id", node.rpc_url))?;
    let key = match &node.private_key {
        Some(key) => key.clone(),
        None => {
            if chain != ANVIL_CHAIN_ID {
                bail!(
                    "chain {chain} is not a dev chain: pass --private-key (or set KEEL_PRIVATE_KEY)"
                );
            }
            ANVIL_DEV_KEY.to_string()
        }
    };
    let signer: PrivateKeySigner = key
        .trim()
        .parse()
        .context("the private key is not a 32-byte hex secp256k1 key")?;
    let sender = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url);
    Ok((provider, sender, chain))
}

/// Sends `tx` and waits for its receipt.
async fn send(
    provider: &impl Provider,
    tx: TransactionRequest,
    what: &str,
) -> Result<TransactionReceipt> {
    let pending = provider
        .send_transaction(tx)
        .await
        .with_context(|| format!("sending the {what} transaction"))?;
    pending
        .get_receipt()
        .await
        .with_context(|| format!("waiting for the {what} receipt"))
}

/// Deploys `code` (creation code followed by constructor arguments).
async fn create(provider: &impl Provider, code: Vec<u8>, what: &str) -> Result<(Address, u64)> {
    let receipt = send(
        provider,
        TransactionRequest::default().with_deploy_code(Bytes::from(code)),
        what,
    )
    .await?;
    if !receipt.status() {
        bail!(
            "deploying {what} reverted (transaction {})",
            receipt.transaction_hash
        );
    }
    let address = receipt
        .contract_address
        .with_context(|| format!("the {what} receipt names no contract"))?;
    Ok((address, receipt.gas_used))
}

/// Reads and parses the JSON file `path`; `what` says what it should be, for the errors.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} ({what})", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {} ({what})", path.display()))
}

/// The creation code of contract `name` from forge's build output.
fn artifact(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(format!("{name}.sol")).join(format!("{name}.json"));
    let json: serde_json::Value = read_json(
        &path,
        "forge's build output: run `forge build` first, or pass --artifacts",
    )?;
    let code = json["bytecode"]["object"]
        .as_str()
        .with_context(|| format!("{} has no bytecode.object", path.display()))?;
    hex::decode(code.trim_start_matches("0x"))
        .with_context(|| format!("{}: bytecode is not hex", path.display()))
}

fn parse_hex(value: &str, what: &str) -> Result<Vec<u8>> {
    hex::decode(value.trim().trim_start_matches("0x")).with_context(|| format!("{what} is not hex"))
}

fn parse_b256(value: &str, what: &str) -> Result<B256> {
    let bytes = parse_hex(value, what)?;
    if bytes.len() != 32 {
        bail!("{what} is {} bytes, not 32", bytes.len());
    }
    Ok(B256::from_slice(&bytes))
}

#[derive(Serialize)]
struct DeployReport {
    chain_id: u64,
    sender: String,
    halo2_verifier: String,
    keel_verifier: String,
    router: String,
    selector: String,
    fibonacci_recorder: Option<String>,
    gas_used: u64,
}

/// `keel deploy`.
pub fn cmd_deploy(args: &DeployArgs) -> Result<()> {
    let json_path = args.verifier.join("verifier.json");
    let report: VerifierReport = read_json(
        &json_path,
        "`keel verifier`'s report: run `keel verifier` first",
    )?;
    let bin = args.verifier.join("Halo2Verifier.bin");
    let verifier_code = parse_hex(
        &std::fs::read_to_string(&bin).with_context(|| {
            format!(
                "reading {} (`keel verifier` writes it when solc is on PATH)",
                bin.display()
            )
        })?,
        "Halo2Verifier.bin",
    )?;
    let selector: [u8; 4] = parse_hex(&report.selector, "the selector")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the selector in verifier.json is not 4 bytes"))?;
    let adapter_code = artifact(&args.artifacts, "KeelHalo2Verifier")?;
    let router_code = artifact(&args.artifacts, "KeelVerifierRouter")?;
    let recorder = match &args.fibonacci_recorder {
        Some(id) => Some((
            artifact(&args.artifacts, "FibonacciRecorder")?,
            parse_b256(id, "--fibonacci-recorder's program id")?,
        )),
        None => None,
    };

    let out = runtime()?.block_on(async {
        let (provider, sender, chain_id) = connect(&args.node).await?;
        let bar = crate::wrap_cmd::stage("deploying the generated verifier");
        let (halo2, mut gas) = create(&provider, verifier_code, "the generated verifier").await?;
        bar.finish_and_clear();
        let runtime = provider
            .get_code_at(halo2)
            .await
            .context("reading the generated verifier's code")?
            .len();
        if runtime > EIP170_LIMIT {
            eprintln!(
                "warning: the generated verifier's runtime code is {runtime} bytes, over EIP-170's \
                 {EIP170_LIMIT}-byte limit: this chain lifts the limit, Ethereum and most L2s do \
                 not (`keel wrap` without --direct makes ~16 KB; a direct wrap at --k 20 ~23 KB)"
            );
        }
        let mut code = adapter_code;
        code.extend(
            (
                halo2,
                FixedBytes::<4>::from(selector),
                U256::from(report.proof_length),
                U256::from(report.accumulator_words),
                U256::from(args.verify_gas_limit),
            )
                .abi_encode_params(),
        );
        let (adapter, g) = create(&provider, code, "KeelHalo2Verifier").await?;
        gas += g;
        let mut code = router_code;
        code.extend(sender.abi_encode());
        let (router, g) = create(&provider, code, "KeelVerifierRouter").await?;
        gas += g;
        let call = IKeelVerifierRouter::addRouteCall {
            selector: FixedBytes::from(selector),
            verifier: adapter,
        };
        let receipt = send(
            &provider,
            TransactionRequest::default()
                .with_to(router)
                .with_input(call.abi_encode()),
            "addRoute",
        )
        .await?;
        if !receipt.status() {
            bail!(
                "addRoute reverted (transaction {})",
                receipt.transaction_hash
            );
        }
        gas += receipt.gas_used;
        let mut recorder_address = None;
        if let Some((mut code, id)) = recorder {
            code.extend((router, id).abi_encode_params());
            let (address, g) = create(&provider, code, "FibonacciRecorder").await?;
            gas += g;
            recorder_address = Some(address.to_string());
        }
        Ok::<_, anyhow::Error>(DeployReport {
            chain_id,
            sender: sender.to_string(),
            halo2_verifier: halo2.to_string(),
            keel_verifier: adapter.to_string(),
            router: router.to_string(),
            selector: report.selector.clone(),
            fibonacci_recorder: recorder_address,
            gas_used: gas,
        })
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "chain {} (sender {}), {} gas:",
            out.chain_id, out.sender, out.gas_used
        );
        println!("  generated verifier  {}", out.halo2_verifier);
        println!(
            "  KeelHalo2Verifier   {} (selector {})",
            out.keel_verifier, out.selector
        );
        println!("  KeelVerifierRouter  {}", out.router);
        if let Some(r) = &out.fibonacci_recorder {
            println!("  FibonacciRecorder   {r}");
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct SubmitReport {
    transaction: String,
    status: &'static str,
    gas_used: u64,
    calldata_bytes: usize,
    /// EIP-2028 calldata gas: 16 per nonzero byte, 4 per zero byte.
    calldata_gas: u64,
    /// `gas_used − 21,000 − calldata_gas`: what the contracts spent.
    execution_gas: u64,
    block: Option<u64>,
}

/// EIP-2028 calldata gas of `data`.
fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

/// `keel submit`.
pub fn cmd_submit(args: &SubmitArgs) -> Result<()> {
    let fixture: Fixture = read_json(&args.fixture, "a `keel fixture` file")?;
    let to: Address = args
        .to
        .parse()
        .with_context(|| format!("--to {:?} is not an address", args.to))?;
    let public_values = Bytes::from(parse_hex(&fixture.public_values, "publicValues")?);
    let proof = Bytes::from(parse_hex(&fixture.proof, "proof")?);
    let input = match args.call {
        Call::Verify => IKeelVerifierRouter::verifyCall {
            programId: parse_b256(&fixture.program_id, "programId")?,
            publicValues: public_values,
            proof,
        }
        .abi_encode(),
        Call::Record => IFibonacciRecorder::recordCall {
            publicValues: public_values,
            proof,
        }
        .abi_encode(),
    };
    let calldata_bytes = input.len();
    let data_gas = calldata_gas(&input);
    let out = runtime()?.block_on(async {
        let (provider, _, _) = connect(&args.node).await?;
        let mut tx = TransactionRequest::default().with_to(to).with_input(input);
        if let Some(gas) = args.gas_limit {
            tx = tx.with_gas_limit(gas);
        }
        let bar = crate::wrap_cmd::stage("submitting the proof");
        let receipt = send(&provider, tx, "proof").await;
        bar.finish_and_clear();
        let receipt = receipt?;
        Ok::<_, anyhow::Error>(SubmitReport {
            transaction: receipt.transaction_hash.to_string(),
            status: if receipt.status() {
                "success"
            } else {
                "reverted"
            },
            gas_used: receipt.gas_used,
            calldata_bytes,
            calldata_gas: data_gas,
            execution_gas: receipt.gas_used.saturating_sub(21_000 + data_gas),
            block: receipt.block_number,
        })
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "transaction {}: {} ({} gas: {} execution, {} for {} calldata bytes)",
            out.transaction,
            out.status,
            out.gas_used,
            out.execution_gas,
            out.calldata_gas,
            out.calldata_bytes
        );
    }
    if out.status != "success" {
        bail!("the transaction reverted");
    }
    Ok(())
}
