<?php
/**
 * Test-only helpers for the form plugin stand-ins (tests/wordpress). The real form plugins are
 * not in any package registry these tests can reach, so each stand-in defines objects shaped like
 * that plugin's (from its public documentation and source) and fires its hook with the documented
 * arguments, in a visitor's POST request to /?form_bridge_standin=<code>.
 */

/**
 * Whether this request asks the given stand-in to submit a form.
 */
function fb_standin_requested( string $code ): bool {
	return isset( $_GET['form_bridge_standin'] ) && $code === $_GET['form_bridge_standin'] && 'POST' === $_SERVER['REQUEST_METHOD'];
}

/**
 * The posted text fields without the control ones.
 */
function fb_standin_posted(): array {
	return wp_unslash( $_POST );
}

/**
 * Moves the uploaded file "upload" (if any) where the form plugin keeps its uploads.
 *
 * @return array|null path, url, name
 */
function fb_standin_upload( string $subdir ): ?array {
	if ( empty( $_FILES['upload']['tmp_name'] ) ) {
		return null;
	}
	$uploads = wp_upload_dir();
	$dir     = trailingslashit( $uploads['basedir'] ) . $subdir;
	wp_mkdir_p( $dir );
	$name = sanitize_file_name( $_FILES['upload']['name'] );
	$path = $dir . '/' . $name;
	move_uploaded_file( $_FILES['upload']['tmp_name'], $path );
	return array(
		'path' => $path,
		'url'  => trailingslashit( $uploads['baseurl'] ) . $subdir . '/' . rawurlencode( $name ),
		'name' => $name,
	);
}

/**
 * Answers like the form plugin's AJAX handler would, and ends the request.
 */
function fb_standin_done(): void {
	wp_send_json( array( 'ok' => true ) );
}
