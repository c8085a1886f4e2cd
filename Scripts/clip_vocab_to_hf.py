"""Converts OpenAI CLIP's bpe_simple_vocab_16e6.txt.gz into Hugging Face CLIPTokenizer files.

usage: python3 Scripts/clip_vocab_to_hf.py bpe_simple_vocab_16e6.txt.gz OUT_DIR
Writes OUT_DIR/vocab.json and OUT_DIR/merges.txt, built the way OpenAI's SimpleTokenizer builds its
encoder: the 256 byte symbols, the same with '</w>', one token per merge, then the two special tokens.
"""
import gzip, json, os, sys


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def main(src, out):
    lines = gzip.open(src).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
