// Prints the test command's last line, "N passed, N failed", from vitest's JSON report. A test file
// that failed outside its tests (an import error, a failing beforeAll) counts as one failure, so a
// broken suite can never look green.
const fs = require('node:fs');
let report;
try {
  report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (err) {
  console.log(`0 passed, 1 failed`);
  process.exit(0);
}
const brokenFiles = (report.testResults || []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults || []).some((a) => a.status === 'failed'),
).length;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed${skipped ? `, ${skipped} skipped` : ''}`);
