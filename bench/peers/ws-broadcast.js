// A minimal Node `ws` broadcast server, the baseline peer of bench/peers.sh: every text message a client sends
// is sent to every open client (the sender included). Pings every client every 10 s (heartbeats on).
// usage: node ws-broadcast.js PORT
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
});

setInterval(() => {
  for (const client of wss.clients) {
    client.ping();
  }
}, 10000).unref();

wss.on('listening', () => console.log(`listening ws://127.0.0.1:${port}`));
