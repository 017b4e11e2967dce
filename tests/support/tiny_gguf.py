"""tiny_gguf.py: writes a tiny llama-architecture GGUF model with random
weights, for running a real llama-server in the tests (tests/support/tiny-gguf
calls it; run with Debian's /usr/bin/python3, python3-numpy and python3-yaml,
and the vendor snapshot's gguf-py on PYTHONPATH).

    tiny_gguf.py [--template TEMPLATE.jinja] [--decider] VOCAB.gguf OUT.gguf SEED

The tokenizer is copied from VOCAB.gguf (the snapshot's 32,000-token SPM
vocabulary); with a chat template (the snapshot's Qwen3 or DeepSeek-R1
one, named by its file name), its special tokens are appended
and it is stored as tokenizer.chat_template.  The weights are random but the
same for the same SEED (numpy's PCG64), so the file is byte-identical.

--decider: MOVE and STAY are appended as tokens of their own, and the first
token of every reply is one of them (the network's random weights choose
which, so P(MOVE) differs from prompt to prompt), followed by the end of
generation: a model whose plain replies parse and whose first token's
log-probabilities carry P(MOVE), as a real instruction model's do.
Without it every reply is 8 tokens of random text.

Against the pitfalls of purely random weights (vendor README):
- the model never emits byte, control, unknown or special tokens: embedding
  dimension 0 is a constant that no layer changes (row 0 of attn_output and
  ffn_down is zero), so after the final RMS norm it is positive, and those
  tokens have a large negative weight in that column of output.weight.  No
  invalid UTF-8 (HTTP 500), no end-of-generation token: a reply ends when
  its token cap is reached or its grammar completes;
- tokenizer.ggml.add_space_prefix is false (else JSON-schema requests fail
  with 400 "Failed to initialize samplers").
The decider uses embedding dimension 1 the same way: it is 4 in the MOVE
and STAY embeddings only, so right after either of them the end-of-
generation token wins and MOVE and STAY lose; elsewhere the opposite.
"""
import argparse
import os

import numpy as np

import gguf

N_EMBD, N_LAYER, N_HEAD, N_FF, N_CTX = 64, 2, 4, 128, 4096

# The chat templates' added tokens and their types (control tokens are
# never emitted; <think> and </think> are ordinary text for the model, as in
# Qwen3), and the end-of-generation token of each.
CONTROL, USER = gguf.TokenType.CONTROL, gguf.TokenType.USER_DEFINED
TEMPLATES = {
    "Qwen-Qwen3-0.6B.jinja": (
        [("<|im_start|>", CONTROL), ("<|im_end|>", CONTROL),
         ("<think>", USER), ("</think>", USER)], "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": (
        [("<｜User｜>", CONTROL), ("<｜Assistant｜>", CONTROL),
         ("<｜end▁of▁sentence｜>", CONTROL),
         ("<think>", USER), ("</think>", USER)], "<｜end▁of▁sentence｜>"),
}


def field(reader, key):
    return reader.fields[key].contents()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--template")
    ap.add_argument("--decider", action="store_true")
    ap.add_argument("vocab")
    ap.add_argument("out")
    ap.add_argument("seed", type=int)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    vocab = gguf.GGUFReader(a.vocab)
    tokens = list(field(vocab, "tokenizer.ggml.tokens"))
    scores = list(field(vocab, "tokenizer.ggml.scores"))
    types = list(field(vocab, "tokenizer.ggml.token_type"))
    eos = field(vocab, "tokenizer.ggml.eos_token_id")
    template = None
    added = []
    if a.template:
        with open(a.template, encoding="utf-8") as f:
            template = f.read()
        added += TEMPLATES[os.path.basename(a.template)][0]
    if a.decider:
        added += [("MOVE", gguf.TokenType.USER_DEFINED),
                  ("STAY", gguf.TokenType.USER_DEFINED)]
    for text, kind in added:
        tokens.append(text)
        scores.append(0.0)
        types.append(int(kind))
    if a.template:
        eos = tokens.index(TEMPLATES[os.path.basename(a.template)][1])
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD

    w = gguf.GGUFWriter(a.out, "llama")
    w.add_name("simtools-tiny-random" + ("-decider" if a.decider else ""))
    w.add_vocab_size(n_vocab)
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(head_dim)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(field(vocab, "tokenizer.ggml.bos_token_id"))
    w.add_eos_token_id(eos)
    w.add_unk_token_id(field(vocab, "tokenizer.ggml.unknown_token_id"))
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)
    if template is not None:
        w.add_chat_template(template)

    def mat(rows, cols, scale):
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float16)

    # dimensions 0 and 1 are set by the embedding alone: no layer writes them
    embd = mat(n_vocab, N_EMBD, 1.0)
    embd[:, 0] = 4.0
    embd[:, 1] = 0.0
    answers = [tokens.index("MOVE"), tokens.index("STAY")] if a.decider else []
    embd[answers, 1] = 4.0
    w.add_tensor("token_embd.weight", embd)
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, np.float32))
        for name in ("attn_q", "attn_k", "attn_v"):
            w.add_tensor(p + name + ".weight", mat(N_EMBD, N_EMBD, 0.125))
        out = mat(N_EMBD, N_EMBD, 0.125)
        out[0:2, :] = 0
        w.add_tensor(p + "attn_output.weight", out)
        w.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, np.float32))
        w.add_tensor(p + "ffn_gate.weight", mat(N_FF, N_EMBD, 0.125))
        w.add_tensor(p + "ffn_up.weight", mat(N_FF, N_EMBD, 0.125))
        down = mat(N_EMBD, N_FF, 0.09)
        down[0:2, :] = 0
        w.add_tensor(p + "ffn_down.weight", down)
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, np.float32))
    # logits of spread about 2 (the normed state has length 8)
    output = mat(n_vocab, N_EMBD, 0.25)
    keep = np.array([t in (int(gguf.TokenType.NORMAL),
                           int(gguf.TokenType.USER_DEFINED)) for t in types])
    output[:, 0] = np.where(keep, 0.0, -1000.0)
    output[:, 1] = 0.0
    if a.decider:
        # first: MOVE or STAY far above the rest; after them: the end
        output[answers, 0] = 6.0
        output[answers, 1] = -40.0
        output[eos, 0] = -20.0
        output[eos, 1] = 40.0
    w.add_tensor("output.weight", output)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
