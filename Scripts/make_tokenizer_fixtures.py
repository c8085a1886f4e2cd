"""Generates the tokenizer parity fixtures (strings and reference ids only).

usage: python3 Scripts/make_tokenizer_fixtures.py   (after Scripts/setup-test-data.sh)
needs: pip install ftfy==6.3.1 regex   (open_clip's tokenizer module is loaded from the cached wheel; torch and
       transformers must be importable)
writes Tests/TokenizersTests/Fixtures/clip_tokens.json, ftfy_cases.json and bert_tokens.json

CLIP reference: open_clip's SimpleTokenizer (the OpenAI tokenizer) with OpenAI's special-token spellings
<|startoftext|> / <|endoftext|>. The strings include generated mojibake (UTF-8 read in various code pages,
double-encoded, cut, mixed with clean text) so that ftfy's heuristic repair (fix_encoding) is covered.
ftfy reference: ftfy_cases.json holds ftfy.fix_text of every CLIP string plus extra random strings of the
characters ftfy's badness heuristic looks at, and is_bad of short random probes.
BERT reference: transformers' Python BertTokenizer (BertTokenizerLegacy) built from all-MiniLM-L6-v2's vocab.txt.
"""
import glob, json, os, random, sys, types, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("VTFUSION_TEST_DATA", os.path.join(ROOT, ".cache", "testdata"))
OUT = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")

OBJECTS = ["bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal nut", "pill", "screw",
           "tile", "toothbrush", "transistor", "wood", "zipper", "candle", "pcb", "macaroni", "cashew", "chewing gum",
           "fryum", "pipe_fryum", "object"]
STATES = ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw", "{} without defect",
          "damaged {}", "broken {}", "{} with flaw", "{} with defect", "{} with damage", "a {} with a scratch"]
TEMPLATES = ["a cropped photo of the {}.", "a close-up photo of a {}.", "a bright photo of the {}.",
             "a dark photo of a {}.", "a jpeg corrupted photo of the {}.", "a blurry photo of a {}.",
             "a photo of the small {}.", "a photo of a large {}.", "there is a {} in the scene.",
             "this is a {} in the scene.", "a photo of a {} for visual inspection.",
             "a photo of a {} for anomaly detection.", "A PHOTO OF A {}!", "It's a {}, isn't it?"]

HANDWRITTEN = [
    "", " ", "   \t\n  ", "a", "A", "I", "hello world", "Hello, World!", "HELLO WORLD...", "hello   world",
    "it's", "they're", "we'll", "I'd", "you've", "I'm", "IT'S", "THEY'RE", "rock'n'roll", "''s", "'s", "'",
    "don't stop", "o'clock", "can't won't shouldn't", "'twas", "’tis curly", "‘quoted’ “double”",
    "3.14159", "1,000,000", "v2.0.1", "2024-01-31", "10x20mm", "0.5mm scratch", "#42", "$9.99", "50%", "1st 2nd 3rd",
    "!!!", "?!", "...", "--", "(a)", "[b]", "{c}", "<d>", "a+b=c", "x*y/z", "@user", "#hashtag", "e-mail",
    "snake_case_name", "CamelCaseName", "path/to/file.png", "http://example.com/a?b=c&d=e", "C++", "C#",
    "café", "naïve", "Ångström", "résumé", "e\u0301", "cafe\u0301", "Ünïcödé", "façade", "jalapeño", "smørrebrød",
    "straße", "STRASSE", "İstanbul", "ıi", "ΣΟΦΟΣ", "ΟΔΟΣ ΣΑΣ", "Σ", "aΣ", "ΣΑ. ΣΑΣ.", "привет мир", "Ελληνικά",
    "日本語の文章です", "中文字符", "한국어 텍스트", "ไทย", "हिन्दी", "العربية", "עברית", "ｆｕｌｌｗｉｄｔｈ １２３",
    "ﬁne ﬂow ﬀ", "Ĳssel", "ŉ", "ǅemal", "👍", "🐱‍👤", "🇩🇪 flag", "👍🏽", "❤️", "emoji😀in😃text", "★☆✓✗", "∑∫√∞",
    "&amp;", "&lt;tag&gt;", "&quot;quoted&quot;", "&#39;apos&#39;", "&#x27;hex&#x27;", "caf&eacute;", "P&EACUTE;REZ",
    "&ampx;", "&amp;amp;", "&amp;amp;amp;", "&notit;", "&#128512;", "&#0;", "&#x110000;", "&#65;&#66;", "&copy 2024",
    "AT&T", "R&D dept", "a<b>&amp;c", "x &lt; y\n&gt; z", "&#150;", "&nbsp;space", "&#x1F600;",
    "\u0093quoted\u0094", "\u0085ellipsis", "line1\u2028line2", "para\u2029graph", "tab\tsep", "cr\rlf\r\nend",
    "zero\u200bwidth", "zwj\u200djoin", "bom\ufeffmark", "nbsp\u00a0space", "ideo\u3000space", "\x1b[31mred\x1b[0m",
    "ctrl\x01\x02chars", "del\x7fchar", "vt\x0bff\x0c", "\x1c\x1d\x1e\x1f", "ogham\u1680space", "en\u2002em\u2003",
    "<|startoftext|>", "<|endoftext|>", "a<|endoftext|>b", "!<|endoftext|>", "<|STARTOFTEXT|> hi", "<|endoftext",
    "soft\u00adhyphen", "combining\u0336strike", "ſ long s", "'ſ", "Kelvin \u212a", "ﬅ", "x\u0301\u0302\u0303",
]


def long_strings():
    words = "anomaly detection industrial inspection defect scratch crack hole contamination".split()
    out = []
    for n in (40, 60, 76, 77, 80, 100, 150):
        out.append(" ".join(words[i % len(words)] for i in range(n)))
    out.append("a " * 200)
    out.append("supercalifragilisticexpialidocious" * 5)
    out.append(",".join(str(i) for i in range(100)))
    out.append("a photo of a damaged bottle. " * 12)
    return out


def random_strings(rng, n):
    pool = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3 + " " * 12 + ".,;:!?'\"-_()[]{}<>/\\@#$%^&*+=~`|"
            + "éèàüöäßçñøåÉÜÖ" + "日本中文한국" + "αβγΣσςπ" + "привет" + "😀👍🏽❤" + "\t\n\u00a0\u2019\u201c")
    out = []
    for _ in range(n):
        length = rng.randint(1, 40)
        out.append("".join(rng.choice(pool) for _ in range(length)))
    return out


def word_salad(rng, n):
    words = (OBJECTS + "the a an of with and or not very small large tiny huge surface texture color shape "
             "crack scratch dent stain hole missing extra bent cut fold glue poke rough squeeze liquid".split())
    out = []
    for _ in range(n):
        k = rng.randint(1, 25)
        s = " ".join(rng.choice(words) for _ in range(k))
        if rng.random() < 0.5:
            s = s.capitalize() + rng.choice([".", "!", "?", "", "..."])
        out.append(s)
    return out


def all_strings():
    rng = random.Random(1234)
    prompts = []
    for obj in OBJECTS:
        for st in rng.sample(STATES, 4):
            prompts.append(rng.choice(TEMPLATES).format(st.format(obj)))
    return HANDWRITTEN + long_strings() + prompts + word_salad(rng, 300) + random_strings(rng, 500)


# ---------------------------------------------------------------------------------------------------------------
# Mojibake cases for ftfy's fix_encoding (Tests/TokenizersTests/Fixtures/ftfy_cases.json and clip_tokens.json).

MOJIBAKE_SOURCES = [
    "café", "naïve", "résumé", "façade", "jalapeño", "smørrebrød", "Ångström", "straße", "Ünïcödé", "voilà",
    "à la carte", "déjà vu", "São Paulo", "Zürich", "Kraków", "Łódź", "İstanbul", "crème brûlée", "Åland", "piñata",
    "“quoted”", "‘single’", "it’s", "en – dash", "em — dash", "ellipsis…", "€100", "™ mark", "• bullet", "½ cup",
    "±5%", "10°C", "µm", "×2", "§3", "©2024", "¿qué?", "¡olé!", "«guillemets»", "nbsp\u00a0here",
    "привет мир", "Ελληνικά", "日本語の文章です", "中文字符", "한국어 텍스트", "ไทย", "हिन्दी", "العربية", "עברית",
    "👍", "🐱‍👤", "😀 smile", "❤️ heart", "✓ done", "★☆", "∑∫√∞", "→ arrow", "⚠ warning", "🇩🇪",
    "a scratch on the métal nut", "Défaut de surface", "Oberflächenfehler", "поверхностный дефект", "表面缺陷",
    "broken bottle — cracked", "the “pill” is dented", "Ð¾Ð±", "Ã©", "\u00c3 la", "\u00a0",
]
CODE_PAGES = ["sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "sloppy-windows-1250", "sloppy-windows-1253",
              "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437", "sloppy-windows-1255"]
# Text that looks odd but is plausibly intended; whatever ftfy decides is recorded.
LEGIT_ODD = [
    "Ã la carte", "Â", "Â ", "a Â b", "ÃÂ", "£5 and €6", "1°C ±2°", "×² ×³", "Ð¾", "ÂÃ", "œuvre", "Œ!", "cœur",
    "Ø§Ù", "à²", "√±", "≈°", "вЂ", "β€™", "ā€", "ВЃВ", "ΒΓΒ", "ГўВЂВ™s", "x Ã ", "l'Ã ", "Ã quele", "Ã s ",
    "È¦", "Ú£", "╔═╗", "│ ö", "«»", "¢¿", "®©", "¤¦", "¬¯", "°±²³´µ¶·¸¹º»¼½¾¿", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ",
    "\x80", "\x81", "\x9d", "\x80\x81", "a\x85b", "\u0192", "ˆ˜", "‰‹›", "ﬁ€", "Ґ€", "\ufffd", "a\ufffdb",
    "Ã\ufffd", "â\ufffd\ufffd", "Ã?", "â€?", "ðŸ‘?", "ÃƒÂ©", "\ufeffÃ©", "Ã©\r\n", "Ã©\u2028x",
    # utf-8-variants finds CESU-8 / Java NUL sequences with a regex whose `$` also matches before a final "\n",
    # which then gets decoded as part of the sequence
    "í\xa0\x80í°\n", "x\x80 í\xa0\x80í°\n", "À\x80\n", "À\n\x80", "í\xa0½í¸\x80\n", "Ã©í\xa0\x80í°\n",
    "â€œí\xa0½í¸\x80â€\x9d", "Ã\xa0 Ã", "Ã  ", "ÃƒÂ©s\n",
]


def sloppy_decode(b, enc):
    return b.decode(enc, errors="replace")


def cesu8(s):
    out = b""
    for ch in s:
        if ord(ch) >= 0x10000:
            u = ch.encode("utf-16-be")
            for k in (0, 2):
                unit = int.from_bytes(u[k:k + 2], "big")
                out += bytes([0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)])
        elif ch == "\0":
            out += b"\xc0\x80"
        else:
            out += ch.encode("utf-8")
    return out


def mojibake_strings(rng):
    import ftfy.bad_codecs  # noqa: F401 - registers the sloppy-* codecs
    out = list(LEGIT_ODD)
    for src in MOJIBAKE_SOURCES:
        for enc in CODE_PAGES:
            out.append(sloppy_decode(src.encode("utf-8"), enc))
    for _ in range(160):  # mixtures: double encodings, cuts, A0 -> space, lost bytes, surrounding clean text
        src = rng.choice(MOJIBAKE_SOURCES)
        enc = rng.choice(CODE_PAGES[:5] + ["macroman", "cp437"])
        bad = sloppy_decode(src.encode("utf-8"), enc)
        kind = rng.randrange(8)
        if kind == 0:
            bad = sloppy_decode(bad.encode("utf-8"), rng.choice(CODE_PAGES[:2]))
        elif kind == 1 and len(bad) > 2:
            cut = rng.randrange(1, len(bad))
            bad = bad[:cut] if rng.random() < 0.5 else bad[cut:]
        elif kind == 2:
            bad = bad.replace("\u00a0", " ")
        elif kind == 3 and len(bad) > 2:
            i = rng.randrange(len(bad))
            bad = bad[:i] + rng.choice(["\ufffd", "?"]) + bad[i + 1:]
        elif kind == 4:
            bad = rng.choice(["a photo of ", "Défaut: ", "日本 ", "ok “", "line one\n"]) + bad + rng.choice(
                ["", " ok", "!", " naïve", "\n", " — fin"])
        elif kind == 5:
            bad = bad + " and " + sloppy_decode(rng.choice(MOJIBAKE_SOURCES).encode("utf-8"), "sloppy-windows-1252")
        elif kind == 6:
            bad = sloppy_decode(cesu8(src + "😀\0"), rng.choice(["latin-1", "sloppy-windows-1252"]))
        else:
            bad = "\n".join([bad, src, sloppy_decode(src.encode("utf-8"), "latin-1")])
        out.append(bad)
    return out


def badness_pool():
    from ftfy import badness
    chars = {c for cat in badness.MOJIBAKE_CATEGORIES.values() for c in cat if c != "-"}
    chars |= {c for c in badness.BADNESS_RE.pattern if ord(c) >= 0x80}
    return sorted(chars) + list("aAzZ .,?!_1\n") + ["Ђ", "ў", "β", "ā", "中"]


def random_mojibake(rng, pool, n, lo, hi):
    return ["".join(rng.choice(pool) for _ in range(rng.randint(lo, hi))) for _ in range(n)]


def ftfy_fixture(strings, rng):
    """fix_text output of every string, whether fix_encoding changed it, and is_bad of short random strings."""
    import ftfy
    from ftfy.badness import is_bad
    cases = []
    for s in strings:
        assert not any(0xD800 <= ord(c) < 0xE000 for c in s)
        fixed = ftfy.fix_text(s)
        cases.append({"text": s, "fixed": fixed, "repaired": fixed != ftfy.fix_text(s, fix_encoding=False)})
    probes = random_mojibake(rng, badness_pool(), 3000, 1, 7)
    bits = "".join("1" if is_bad(p) else "0" for p in probes)
    repaired = sum(c["repaired"] for c in cases)
    print(f"ftfy: {len(cases)} cases, {repaired} changed by fix_encoding; is_bad probes: {bits.count('1')} of "
          f"{len(probes)} bad")
    return {"reference": "ftfy " + ftfy.__version__ + " fix_text (default TextFixerConfig) and badness.is_bad",
            "cases": cases, "badnessProbes": probes, "badnessBits": bits}


def load_open_clip_tokenizer():
    wheel = glob.glob(os.path.join(DATA, "wheels", "open_clip_torch-*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        src = z.read("open_clip/tokenizer.py").decode()
    mod = types.ModuleType("open_clip_tokenizer")
    mod.__file__ = os.path.join(DATA, "clip", "tokenizer.py")  # default_bpe() resolves next to this path
    exec(compile(src, "open_clip/tokenizer.py", "exec"), mod.__dict__)
    tok = mod.SimpleTokenizer(bpe_path=os.path.join(DATA, "clip", "bpe_simple_vocab_16e6.txt.gz"))
    # OpenAI's spelling of the special tokens (open_clip renamed them; ids are unchanged).
    import regex
    specials = ["<|startoftext|>", "<|endoftext|>"]
    for t, i in zip(specials, (tok.sot_token_id, tok.eot_token_id)):
        tok.encoder[t] = i
        tok.decoder[i] = t
        tok.cache[t] = t
    tok.pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                            regex.IGNORECASE)
    return tok


def clip_fixture(strings):
    import ftfy
    tok = load_open_clip_tokenizer()
    repaired = sum(1 for s in strings if ftfy.fix_text(s) != ftfy.fix_text(s, fix_encoding=False))
    cases = []
    for s in strings:
        ids = [tok.sot_token_id] + tok.encode(s) + [tok.eot_token_id]
        cases.append({"text": s, "ids": ids})
    short = [{"text": c["text"], "ids": tok([c["text"]], context_length=16)[0].tolist()} for c in cases[:200:5]]
    full77 = tok([c["text"] for c in cases], context_length=77).tolist()
    long_cases = sum(1 for c in cases if len(c["ids"]) > 77)
    # Cross-check against Hugging Face's CLIPTokenizer built from the converted files (informational).
    hf_agree = None
    try:
        from transformers import CLIPTokenizer
        with open(os.path.join(DATA, "clip", "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(DATA, "clip", "merges.txt"), encoding="utf-8") as f:
            merges = [tuple(l.split()) for l in f.read().split("\n")[1:] if l]
        hf = CLIPTokenizer(vocab=vocab, merges=merges)
        hf_ids = hf([c["text"] for c in cases], padding="max_length", truncation=True, max_length=77)["input_ids"]
        hf_agree = sum(1 for a, b in zip(hf_ids, full77) if a[:b.index(tok.eot_token_id) + 1] == b[:b.index(tok.eot_token_id) + 1])
    except Exception as e:  # noqa: BLE001 - informational only
        print("HF cross-check skipped:", e)
    print(f"CLIP: {len(cases)} strings ({repaired} repaired by ftfy's fix_encoding), {long_cases} over 77 tokens; "
          f"HF CLIPTokenizer agrees on {hf_agree}")
    return {"reference": "open_clip SimpleTokenizer (OpenAI CLIP), ftfy " + ftfy.__version__,
            "cases": cases, "contextLength16": short}


def bert_fixture(strings):
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy
    vocab = os.path.join(DATA, "minilm", "vocab.txt")
    tok = BertTokenizerLegacy(vocab_file=vocab, do_lower_case=True)
    specials = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"]
    strings = [s for s in strings if not any(t in s for t in specials)]
    strings += ["unaffable", "a" * 100, "b" * 101, "x" * 99 + "é", "supercalifragilisticexpialidocious",
                "Hello, how are you?", "The quick brown fox jumps over the lazy dog.", "中国人民", "Ａｂｃ"]
    cases = [{"text": s, "ids": tok(s)["input_ids"]} for s in strings]
    truncated = [{"text": c["text"], "ids": tok(c["text"], truncation=True, max_length=16)["input_ids"]}
                 for c in cases if len(c["ids"]) > 16][:40]
    fast_agree = None
    try:
        from tokenizers import Tokenizer
        fast = Tokenizer.from_file(os.path.join(DATA, "minilm", "tokenizer.json"))
        fast.no_truncation()
        fast.no_padding()
        fast_agree = sum(1 for c in cases if fast.encode(c["text"]).ids == c["ids"])
    except Exception as e:  # noqa: BLE001 - informational only
        print("fast cross-check skipped:", e)
    print(f"BERT: {len(cases)} strings, {len(truncated)} truncation cases; tokenizers (fast) agrees on {fast_agree}")
    return {"reference": "transformers BertTokenizer (Python, legacy) with all-MiniLM-L6-v2 vocab.txt",
            "cases": cases, "maxLength16": truncated}


def main():
    strings = all_strings()
    rng = random.Random(4321)
    mojibake = mojibake_strings(rng)
    extra = random_mojibake(rng, badness_pool(), 300, 2, 12)  # ftfy-only: random runs of mojibake characters
    os.makedirs(OUT, exist_ok=True)
    fixtures = (("clip_tokens.json", clip_fixture(strings + mojibake)),
                ("ftfy_cases.json", ftfy_fixture(strings + mojibake + extra, rng)),
                ("bert_tokens.json", bert_fixture(strings)))
    for name, fixture in fixtures:
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(fixture, f, ensure_ascii=name != "ftfy_cases.json", separators=(",", ":"))
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    sys.exit(main())
