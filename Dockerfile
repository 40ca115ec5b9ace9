# The copilot backend image for docker-compose.yml (one `copilot serve` per container).
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir '.[postgres]'
ENV COPILOT_HOME=/data
EXPOSE 8700
CMD ["copilot", "serve", "--host", "0.0.0.0", "--port", "8700"]
