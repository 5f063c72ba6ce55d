// Prints the test command's last line, "N passed, N failed", from vitest's JSON reports (one per
// lane; the counts are added up). A test file that failed outside its tests (an import error, a
// failing beforeAll) counts as one failure, and a report that is missing or unreadable (a lane that
// crashed) counts as one too, so a broken suite can never look green.
const fs = require('node:fs');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    failed += 1;
    continue;
  }
  const brokenFiles = (report.testResults || []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults || []).some((a) => a.status === 'failed'),
  ).length;
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenFiles;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
