// socket.io-client, the real library from npm, talking to the demo server's real
// socket.io server, as a chat or notifications widget does. The page has two routes
// (chat and settings, by pushState) and the user goes back and forth between them.
// `?mode=` picks how the widget is written:
// - `clean`: the effect disconnects in its cleanup. StrictMode connects, disconnects
//   and connects again; leaving the route disconnects. No leak.
// - `leak`: the effect connects and never disconnects: each visit to the chat route
//   leaves one more connection open (StrictMode's first one included).
// - `down`: the app's socket server is not running (a local dev server stopped):
//   socket.io keeps trying to reconnect, each try a WebSocket that fails. No leak.
// - `polling`: socket.io held to HTTP long polling (`transports: ['polling']`, as
//   behind a proxy that drops WebSockets): each GET waits at the server until a
//   message is there, and the next one starts when it is answered. No timer.
// - `app`: one socket for the whole app, opened as it starts (outside the routes,
//   as a notifications provider at the root does); the chat screen adds its
//   listener on mount and removes it in its cleanup. No leak.
import React, { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { mount } from './_app.jsx';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') || 'clean';
const appSocket = mode === 'app' ? io() : null;

function Chat() {
  const [messages, setMessages] = useState([]);
  useEffect(() => {
    if (appSocket) {
      const show = (m) => setMessages((list) => [...list.slice(-20), m]);
      appSocket.on('message', show);
      return () => appSocket.off('message', show);
    }
    const socket =
      mode === 'down'
        ? // `?port=`: one the test made sure nothing listens on.
          io(`http://127.0.0.1:${params.get('port')}`, {
            transports: ['websocket'],
            reconnectionDelay: 250,
            reconnectionDelayMax: 1000,
          })
        : io(mode === 'polling' ? { transports: ['polling'] } : {});
    socket.on('message', (m) => setMessages((list) => [...list.slice(-20), m]));
    socket.on('connect_error', () => {
      window.connectErrors = (window.connectErrors || 0) + 1;
    });
    if (mode === 'leak') return undefined;
    return () => socket.disconnect();
  }, []);
  return (
    <ul id="messages">
      {messages.map((m) => (
        <li key={m.id}>{m.text}</li>
      ))}
    </ul>
  );
}

function Settings() {
  return <p id="settings">Notification settings</p>;
}

function App() {
  const [route, setRoute] = useState(location.pathname.endsWith('/settings') ? 'settings' : 'chat');
  useEffect(() => {
    // The test drives the routes as a user clicking the nav would.
    window.go = (to) => {
      history.pushState(null, '', `/corpus-libs/chat.html${to === 'settings' ? '/settings' : ''}${location.search}`);
      setRoute(to);
    };
  }, []);
  return (
    <main>
      <nav>
        <a href="#chat" onClick={() => window.go('chat')}>Chat</a> · <a href="#settings" onClick={() => window.go('settings')}>Settings</a>
      </nav>
      {route === 'chat' ? <Chat /> : <Settings />}
    </main>
  );
}

mount(() => <App />);
