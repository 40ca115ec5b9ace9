"""Meeting intelligence without a model: extractive answers, action items, sensitive content,
batching and custom alert rules. Pure Python; `copilot.llm` adds the model path on top."""
