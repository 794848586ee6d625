// An assistant that streams a local model's answer token by token, as apps built on
// Ollama do: the real `ollama` client from npm (its browser build, fetch and a
// streamed NDJSON body) against the demo server's stand-in for Ollama's /api/chat.
// The answer takes about 4 s to stream, its first token comes after 300 ms; with
// `ask('…', 'cold')` the model is loaded first and the first token takes 2.5 s.
import React, { useState } from 'react';
import { Ollama } from 'ollama/browser';
import { mount } from './_app.jsx';

const ollama = new Ollama({ host: `${location.origin}/api/libs/ollama` });

function Assistant() {
  const [answer, setAnswer] = useState('');
  window.ask = async (question, model = 'llama3.2') => {
    window.answered = false;
    setAnswer('');
    const stream = await ollama.chat({ model, messages: [{ role: 'user', content: question }], stream: true });
    for await (const part of stream) {
      if (window.firstToken === undefined) window.firstToken = performance.now();
      setAnswer((text) => text + part.message.content);
    }
    window.answered = true;
  };
  return <p id="answer">{answer}</p>;
}

mount(() => <Assistant />);
