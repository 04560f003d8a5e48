// The BeanstalkApp sample's web tier. Elastic Beanstalk's Node.js platform runs `npm start` and proxies
// port 80 (nginx) to PORT (8080 by default). No dependencies: nothing to install on the instances.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const greeting = process.env.GREETING || 'Hello from Elastic Beanstalk';

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>BeanstalkApp</title><h1>${greeting}</h1>\n`);
  })
  .listen(port, () => console.log(`listening on ${port}`));
