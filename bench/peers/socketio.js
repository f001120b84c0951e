// A Socket.IO 4 peer for bench/peers.sh, WebSocket transport only: `sub` joins the room named by the topic
// (acknowledged), `pub` emits `msg` with the payload to that room. Engine.IO pings every 10 s.
// usage: node socketio.js PORT
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2]);
const server = http.createServer();
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  pingInterval: 10000,
  pingTimeout: 20000,
});

io.on('connection', (socket) => {
  socket.on('sub', (topic, ack) => {
    socket.join(topic);
    if (typeof ack === 'function') {
      ack('ok');
    }
  });
  socket.on('pub', (topic, payload) => {
    io.to(topic).emit('msg', payload);
  });
});

server.listen(port, '127.0.0.1', () => console.log(`listening ws://127.0.0.1:${port}`));
