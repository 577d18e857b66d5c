"""PyTorch CPU side of `npm run bench -- --only pytorch`: the same MobileNetV2 cases as
bench/vs-pytorch.ts, printed as one JSON line. Never imported by the service or its tests.

    python3 bench/pytorch/mobilenet_v2.py --threads 1 --case finetune
    python3 bench/pytorch/mobilenet_v2.py --threads 2 --case inference

bench/vs-pytorch.ts runs it with glibc's malloc told to keep freed memory (PYTORCH_MALLOC_ENV there);
without that, large activations are mapped and unmapped on every operation.
"""
import argparse
import json
import time

import torch
import torchvision


def finetune(size, batch, batches, classes):
    model = torchvision.models.mobilenet_v2(weights=None)
    model.classifier = torch.nn.Linear(1280, classes)
    # Frozen BatchNorm in inference mode everywhere (model.eval() also turns dropout off, and the
    # new classifier has none): the same as the project's fine-tune of the top blocks.
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    prefix = model.features[:16]
    suffix = torch.nn.Sequential(*model.features[16:], torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), model.classifier)
    for module in suffix.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            for p in module.parameters():
                p.requires_grad_(True)
    params = [p for p in suffix.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-4)
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        with torch.no_grad():
            h = prefix(x)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(suffix(h), y)
        loss.backward()
        opt.step()

    step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    return batches * batch / (time.perf_counter() - start)


def inference(size, batch, batches):
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    x = torch.rand(batch, 3, size, size)
    with torch.inference_mode():
        model(x)
        start = time.perf_counter()
        for _ in range(batches):
            model(x)
        return batches * batch / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--case", choices=["finetune", "inference"], required=True)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--classes", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    if a.case == "finetune":
        rate = finetune(a.size, a.batch, a.batches, a.classes)
    else:
        rate = inference(a.size, a.batch, a.batches)
    print(json.dumps({"case": a.case, "threads": a.threads, "samplesPerSec": rate, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
