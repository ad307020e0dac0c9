<?php
/**
 * Stand-in for Fluent Forms (test only; see standin-common.php). Shapes: FLUENTFORM_VERSION;
 * $formData keyed by input name (a name field as first_name/last_name, internal keys starting
 * with "_", a file input's value a list of URLs in uploads/fluentform/); $form an object with id,
 * title and form_fields (JSON: fields with element, attributes.name, settings.label; a name field's
 * label in settings.admin_field_label, its settings.label empty; containers with columns). The hook: do_action( 'fluentform/submission_inserted', $insertId, $formData, $form ).
 */

define( 'FLUENTFORM_VERSION', '5.2.6' );

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'fluentform' ) ) {
			return;
		}
		$posted = fb_standin_posted();
		$file   = fb_standin_upload( 'fluentform' );
		$form   = (object) array(
			'id'          => 3,
			'title'       => 'Support ticket',
			'form_fields' => wp_json_encode(
				array(
					'fields' => array(
						array( 'element' => 'input_name', 'attributes' => array( 'name' => 'names' ), 'settings' => array( 'label' => '', 'admin_field_label' => 'Name' ) ),
						array(
							'element' => 'container',
							'columns' => array(
								array( 'fields' => array( array( 'element' => 'input_email', 'attributes' => array( 'name' => 'email' ), 'settings' => array( 'label' => 'Email' ) ) ) ),
								array( 'fields' => array( array( 'element' => 'textarea', 'attributes' => array( 'name' => 'description' ), 'settings' => array( 'label' => 'Describe the problem' ) ) ) ),
							),
						),
						array( 'element' => 'input_file', 'attributes' => array( 'name' => 'screenshot' ), 'settings' => array( 'label' => 'Screenshot' ) ),
					),
				)
			),
		);
		$form_data = array(
			'__fluent_form_embded_post_id'  => '8',
			'_fluentform_3_fluentformnonce' => 'abc123',
			'_wp_http_referer'              => '/support/',
			'names'                         => array( 'first_name' => $posted['first'] ?? '', 'last_name' => $posted['last'] ?? '' ),
			'email'                         => $posted['email'] ?? '',
			'description'                   => $posted['description'] ?? '',
			'screenshot'                    => $file ? array( $file['url'] ) : array(),
		);
		do_action( 'fluentform/submission_inserted', 55, $form_data, $form );
		fb_standin_done();
	},
	20
);
