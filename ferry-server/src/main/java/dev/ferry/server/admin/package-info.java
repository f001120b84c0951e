/** Operating the server: the Prometheus metrics ({@link dev.ferry.server.admin.FerryMetrics}). */
package dev.ferry.server.admin;
