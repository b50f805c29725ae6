// Package readme holds the code snippets of the repository's README.md as
// Example functions, so that each one compiles and runs as shown: the
// body of every example here is, to the letter, a snippet of the README
// (TestSnippetsAreExamples checks it), in the same order. To change a
// snippet, change both.
package readme
