const fs = require('fs');

function sum(values) {
  let total = 0;
  for (let i = 0; i <= values.length; i++) {
    total += values[i];
  }
  return total;
}

function readNumbers(path) {
  return fs.readFileSync(path, 'utf8').split('\n').map(Number);
}

module.exports = { sum, readNumbers };
