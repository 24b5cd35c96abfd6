# JSNA Evidence Assistant on one server: CPU only, the model inside the image, the index in a volume.
#   docker build -t jsna-assistant .
#   docker run -d -p 8501:8501 -v jsna-data:/data jsna-assistant
# See docs/deploy.md (staff password, single sign-on, reverse proxy, rebuilding, backups).
FROM python:3.11-slim-bookworm

# Tesseract reads PDF pages that have no text layer (what `make ocr` installs elsewhere).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 jsna
WORKDIR /app

# torch first, pinned as pyproject.toml pins it, from PyTorch's CPU-only index: from PyPI the same version pulls
# gigabytes of CUDA libraries that a CPU server never uses.
ARG TORCH=torch==2.13.0
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "${TORCH}"

# The project and exactly what pyproject.toml declares (no dev or peer extras).
COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN pip install --no-cache-dir .
COPY app.py ./
COPY .streamlit ./.streamlit
COPY corpus ./corpus

ENV JSNA_CORPUS=/data/corpus \
    JSNA_INDEX=/data/index \
    JSNA_CACHE=/app/cache \
    JSNA_ADDRESS=0.0.0.0 \
    JSNA_PORT=8501 \
    HF_HUB_OFFLINE=1 \
    PYTHONUNBUFFERED=1

# The model's ONNX file is made now, from the bundled weights, so the first question does not wait for it.
RUN mkdir -p /app/cache /data && chown -R jsna:jsna /app/cache /data \
    && su jsna -c "python -c 'from assistant.config import load_settings; from assistant.embed import load_embedder; load_embedder(load_settings()).embed([\"warm up\"])'"

USER jsna
VOLUME /data
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"

# First start: the shipped sample corpus is copied into the volume if it holds none, and indexed if it has no index.
CMD ["sh", "-c", "[ -d /data/corpus ] || cp -r /app/corpus /data/corpus; [ -f /data/index/CURRENT ] || jsna ingest; exec jsna serve"]
